// Package serve is exp serve: a read-only web dashboard over the results
// database that follows sweeps live.
//
// Pages, keyed by id, are rendered with html/template: / lists the sweeps,
// /sweeps/ID shows one sweep's comparison table (sortable, grouped with
// ?group-by=) and learning curves, /runs/ID one run. The same data is JSON
// under /api/ (see README), and the pages' embedded script polls it once a
// second to update themselves. Charts are SVG images rendered by
// internal/chart.
//
// The server only reads: the store is opened with results.OpenReadOnly,
// only GET and HEAD are answered, and ids in paths are parsed as integers
// and bound as query arguments. Answers are cached per
// results.ReadOnly.DataVersion and refreshed in the background, so many
// clients polling cost the database one read per change.
//
// Security: a Host check against DNS rebinding on loopback, an optional
// token (query once → HttpOnly SameSite=Strict cookie, or a bearer header,
// compared in constant time), a Content-Security-Policy that allows only
// the server's own embedded script, style and images.
package serve
