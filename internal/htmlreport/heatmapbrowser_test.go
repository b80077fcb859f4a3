//go:build unix

package htmlreport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/exp-runner/exp/internal/importance"
	"github.com/exp-runner/exp/internal/search"
)

// TestBrowserHeatmapLabels draws heatmaps of short, iris (the issue's
// "setosaversicolorvirginica") and long, hostile class names, and the
// search charts of a sweep with long names, in headless Chromium and
// measures the texts as it lays them out: each lies within its SVG, level
// texts do not run into each other, class names written at 45° are less
// tall than the distance between their lines, every class name has its
// full name as a tooltip, and so does every text cut short.
func TestBrowserHeatmapLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped in -short mode")
	}
	browser, err := findBrowser()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: %s", err, installHint)
		}
		t.Skipf("%v: %s", err, installHint)
	}
	var page strings.Builder
	page.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>")
	for _, labels := range [][]string{{"cat", "dog", "eel"}, irisLabels, longLabels} {
		page.Write(Heatmap("confusion", labels, matrix(len(labels))).SVG)
	}
	for _, f := range longSearchCharts() {
		page.Write(f.SVG)
	}
	page.WriteString("</body></html>")
	dir, err := os.MkdirTemp("", "htmlreport-heatmap-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir) // not t.TempDir: a browser helper may still write into its profile
	file := filepath.Join(dir, "heatmaps.html")
	if err := os.WriteFile(file, []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1200, 1200))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	start := time.Now()
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](measureLabels+measureTexts))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("measured in %v", time.Since(start).Round(time.Millisecond))
	for _, p := range problems {
		t.Error(p)
	}
}

// longSearchCharts are the search charts of a sweep whose key paths and
// choices have long names: importance, parallel coordinates, slice plots.
func longSearchCharts() []Figure {
	long := func(i int) string { return fmt.Sprintf("model.layers[%d].a_rather_long_option_name", i) }
	var axes []SearchAxis
	var imps []importance.Importance
	for i := range 5 {
		axes = append(axes, SearchAxis{Param: search.Param{Name: long(i), Kind: search.LogUniform, Lo: 1e-4, Hi: 1e-1}})
		imps = append(imps, importance.Importance{Name: long(i), Value: 0.1 * float64(i+1)})
	}
	var choices []string
	for i := range 8 {
		choices = append(choices, fmt.Sprintf("choice_with_a_long_name_%d", i))
	}
	axes = append(axes, SearchAxis{Param: search.Param{Name: "optimizer", Kind: search.Categorical, Choices: len(choices)}, Labels: choices})
	var trials []SearchTrial
	for i := range 12 {
		params := []float64{1e-3, 1e-2, 1e-4, 3e-2, 5e-3, float64(i % len(choices))}
		trials = append(trials, SearchTrial{Label: fmt.Sprint("trial ", i), Params: params, Value: 0.5 + 0.03*float64(i)})
	}
	figs := []Figure{ImportanceChart(imps, "fANOVA", "val_accuracy"), ParallelCoordinates(axes, trials, "val_accuracy")}
	return append(figs, SlicePlots(axes, trials, "val_accuracy")...)
}

// measureTexts lists, for every SVG of the page, texts that lie outside it
// or run into another (texts written at an angle aside).
const measureTexts = `.concat((() => {
  const out = [];
  document.querySelectorAll("svg").forEach((svg, k) => {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll("text")].filter(t => !t.hasAttribute("transform"));
    const rects = texts.map(t => t.getBoundingClientRect());
    const name = t => JSON.stringify(t.lastChild.textContent);
    texts.forEach((t, i) => {
      const r = rects[i];
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push("chart " + k + ": " + name(t) + " lies outside its SVG");
      }
      for (let j = 0; j < i; j++) {
        const q = rects[j];
        if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) {
          out.push("chart " + k + ": " + name(texts[j]) + " runs into " + name(t));
        }
      }
      if (t.lastChild.textContent.includes("…") && !t.querySelector("title")) {
        out.push("chart " + k + ": " + name(t) + " is cut without a tooltip");
      }
    });
  });
  return out;
})())`

// measureLabels lists what is wrong with the class names of the page's
// heatmaps (their texts with a <title>).
const measureLabels = `(() => {
  const out = [], cell = 44;
  document.querySelectorAll("svg").forEach((svg, k) => {
    if (!svg.textContent.includes("predicted class")) {
      return;
    }
    const box = svg.getBoundingClientRect();
    const names = [...svg.querySelectorAll("text")].filter(t => t.querySelector("title"));
    const cols = names.slice(0, names.length / 2);
    names.forEach(t => {
      const r = t.getBoundingClientRect(), name = t.lastChild.textContent;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push("heatmap " + k + ": " + JSON.stringify(name) + " lies outside its SVG");
      }
      if (!t.querySelector("title").textContent) {
        out.push("heatmap " + k + ": " + JSON.stringify(name) + " has no tooltip");
      }
    });
    cols.forEach((t, i) => {
      if (t.hasAttribute("transform")) {
        const h = t.getBBox().height;
        if (h >= cell * Math.SQRT1_2) {
          out.push("heatmap " + k + ": names at 45° are " + h + " px tall, their lines " + cell * Math.SQRT1_2 + " px apart");
        }
      } else if (i > 0 && cols[i-1].getBoundingClientRect().right > t.getBoundingClientRect().left) {
        out.push("heatmap " + k + ": " + JSON.stringify(cols[i-1].lastChild.textContent) + " runs into " + JSON.stringify(t.lastChild.textContent));
      }
    });
    if (cols.length !== 3) {
      out.push("heatmap " + k + ": " + cols.length + " column names, want 3");
    }
  });
  return out;
})()`
