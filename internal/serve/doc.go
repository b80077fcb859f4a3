// Package serve is exp serve: a read-only web dashboard over the results
// database that follows sweeps live.
//
// Pages, keyed by id, are rendered with html/template (every value from
// the database escaped): / lists the sweeps, /sweeps/ID shows one sweep's
// comparison table (sortable, grouped with ?group-by=) and learning
// curves, /runs/ID one run. The same data is JSON under /api/ (see
// README), and the pages' embedded script (assets/app.js) polls it once a
// second and, when its version changed, redraws the page's table, its
// data-field texts and its charts (img[data-chart], reloaded with ?v=).
//
// Another feature's view slots in as a chart route (like
// /sweeps/{id}/curves.svg, rendered by internal/chart) and a <figure>
// holding an img with data-chart in templates/sweep.tmpl or run.tmpl: the
// script then keeps it up to date with no change of its own.
//
// The server only reads: the store is opened with results.OpenReadOnly,
// only GET and HEAD are answered, and ids in paths are parsed as integers
// and bound as query arguments. Answers are cached per data version
// (results.ReadOnly.DataVersion, read at most every 200 ms) and recomputed
// in the background while the previous one is served, at most every
// max(1 s, 3× the computation's cost); they carry the version as an ETag
// (a revalidating poll gets 304) and large ones are gzipped once. No
// transaction is held open between requests.
//
// Security: loopback by default, a token beyond it (query once → HttpOnly
// SameSite=Strict cookie, or a bearer header, compared in constant time),
// a Host check against DNS rebinding on loopback, and a
// Content-Security-Policy that allows only the server's own embedded
// script, style and images.
package serve
