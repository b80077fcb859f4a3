// Package serve is exp serve: a read-only web dashboard over the results
// database that follows sweeps live.
//
// Pages, keyed by id, are rendered with html/template (every value from
// the database escaped): / lists the sweeps, /sweeps/ID shows one sweep's
// comparison table (sortable, grouped with ?group-by=) and learning
// curves, /runs/ID one run. The same data is JSON under /api/ (see
// docs/serve.md), and the pages' embedded script (assets/app.js) polls it
// once a second and, when its version changed, redraws the page's table,
// its data-field texts and its charts (img[data-chart], reloaded with ?v=).
//
// Another feature's view slots in as a chart route (like
// /sweeps/{id}/curves.svg, rendered by internal/chart) and a <figure>
// holding an img with data-chart in templates/sweep.tmpl or run.tmpl: the
// script then keeps it up to date with no change of its own.
//
// The server only reads: the store is opened with resultdb.OpenReadOnly,
// only GET and HEAD are answered, and ids in paths are parsed as integers
// and bound as query arguments.
//
// How a SQLite file is read (resultdb/readonly_sqlite.go): while its -wal
// holds no commits (no writer, or one that has not committed since the
// last checkpoint), it is read as immutable: the server creates no -wal
// or -shm file, holds nothing open for writing and leaves nothing behind.
// Each connection remembers the file's identity (device, inode), size and
// modification time; once a writer commits, or the file is written or
// replaced (renamed over, or copied into), connections are reopened on the
// file as it is then, a query that straddled the change fails rather than
// return a mix, and the data version changes, so the pages follow. While
// a writer's -wal holds commits, the server reads through it like any
// SQLite reader: it shares the writer's -wal and -shm, which SQLite opens
// read-write for its locks, and because the server then holds the
// database open, the writer does not remove them when it closes: the next
// exp command that opens the database (exp status, say) does, once it is
// the last to close it. Replace a database only by
// one with no -wal (a closed one), and not while a writer has it open:
// SQLite would read the old -wal's commits into the new file.
//
// Answers are cached per data version (the store's DataVersion, read at
// most every 200 ms, after a random id of the server's run so that a
// version from another run is never taken for current) and recomputed in
// the background while the previous one is served, at most every
// max(1 s, 3× the computation's cost); they carry the version as an ETag
// (a revalidating poll gets 304) and large ones are gzipped once. No
// transaction is held open between requests.
//
// What a request can make the server do is bounded (see options.go and
// cache.go): each route reads some options (metric, group-by, sort) and
// drops the others it knows of (?sort= on a run's page), so they make no
// new cache entry; unknown, repeated or overlong options (512 bytes), more
// than 8 group-by paths or sort columns, and group-by paths no trial has
// are a short 400. The cache is bounded in bytes (Options.CacheBytes,
// least recently used first out). Computations run at most GOMAXPROCS at
// once (at least 2), with one slot kept for refreshing the answers
// clients already watch, each within 30 s; at most 16 new keys wait for a
// slot. A request waits at most 20 s for its answer, well within the 60 s
// write timeout, and then gets 503 with Retry-After (the computation goes
// on and its answer is kept): every answer arrives complete or as a clear
// error status. A panic in a computation is a 500. At most 256 requests
// are answered at once.
//
// Security: loopback by default; a token beyond it, of at least 16
// characters (checked before listening), given once as ?token= (which
// sets an HttpOnly SameSite=Strict cookie holding an HMAC derived from the
// token, never the token, and redirects to the same path on this server),
// or as an Authorization header of scheme Bearer in any case; tokens are
// compared in constant time, and every answer to a server with a token is
// Cache-Control: no-store. On loopback a Host check defeats DNS
// rebinding, and a Content-Security-Policy allows only the server's own
// embedded script, style and images.
package serve
