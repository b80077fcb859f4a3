// exp serve: keeps a page up to date by polling its JSON (data-api) once a
// second and, when the data's version changes, redrawing the page's table,
// its data-field texts and its charts. Every value is set as text, never
// as markup.
"use strict";
(function () {
  const main = document.querySelector("main[data-api]");
  if (!main) {
    return;
  }
  const api = main.dataset.api;
  const live = document.getElementById("live");
  const interval = 1000;

  function numeric(table, col) {
    let seen = false;
    for (const row of table.rows) {
      const v = row[col].value;
      if (v === null || v === undefined) {
        continue;
      }
      if (typeof v !== "number") {
        return false;
      }
      seen = true;
    }
    return seen;
  }

  function sortHref(current, col) {
    const q = new URLSearchParams(window.location.search);
    q.delete("token");
    q.set("sort", current === col ? "-" + col : col);
    return "?" + q.toString();
  }

  function cell(tag, text, href, num) {
    const el = document.createElement(tag);
    if (num) {
      el.className = "num";
    }
    if (tag === "th") {
      el.scope = "col";
    }
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      el.appendChild(a);
    } else {
      el.textContent = text;
    }
    return el;
  }

  function renderTable(el, table) {
    const sortable = el.hasAttribute("data-sort");
    const current = el.dataset.sort || "";
    const nums = table.columns.map((_, i) => numeric(table, i));
    const head = document.createElement("tr");
    table.columns.forEach((c, i) => head.appendChild(cell("th", c, sortable ? sortHref(current, c) : "", nums[i])));
    const body = document.createElement("tbody");
    table.rows.forEach((row, i) => {
      const tr = document.createElement("tr");
      if (i === table.best) {
        tr.className = "best";
        tr.title = "best";
      }
      row.forEach((c, j) => tr.appendChild(cell("td", c.text, c.href || "", nums[j])));
      body.appendChild(tr);
    });
    el.tHead.replaceChildren(head);
    el.tBodies[0].replaceWith(body);
  }

  function render(data) {
    const table = document.getElementById("live-table");
    if (table && data.table) {
      renderTable(table, data.table);
    }
    for (const el of document.querySelectorAll("[data-field]")) {
      const text = (data.fields || {})[el.dataset.field];
      if (text !== undefined) {
        el.textContent = text;
      }
    }
    for (const img of document.querySelectorAll("img[data-chart]")) {
      const u = new URL(img.src, window.location.href);
      u.searchParams.set("v", data.version);
      img.src = u.pathname + u.search;
    }
  }

  async function poll() {
    try {
      const res = await fetch(api, {headers: {"Accept": "application/json"}, cache: "no-cache", credentials: "same-origin"});
      if (!res.ok) {
        throw new Error("HTTP " + res.status);
      }
      const data = await res.json();
      live.classList.remove("stale");
      live.title = "updates as epochs are recorded";
      if (data.version !== main.dataset.version) {
        main.dataset.version = data.version;
        render(data);
      }
    } catch (err) {
      live.classList.add("stale");
      live.title = "not updating: " + err.message;
    }
    window.setTimeout(poll, interval);
  }
  window.setTimeout(poll, interval);
})();
