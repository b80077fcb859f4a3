package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/chart"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

//go:embed assets
var assets embed.FS

//go:embed templates/*.tmpl
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.tmpl"))

// Reader is what the dashboard reads from a results database: report's
// reads, the sweeps, a run with its epochs, what the prediction figures
// read, and a version that changes whenever the data does (see
// resultdb.ReadOnly.DataVersion).
type Reader interface {
	report.Reader
	report.RunReader
	Sweeps(ctx context.Context) ([]*record.Sweep, error)
	Run(ctx context.Context, id int64) (*record.Run, error)
	DataVersion(ctx context.Context) (string, error)
	// Path names the database, for the banner.
	Path() string
}

// Options configure a Handler.
type Options struct {
	// Token, if not "", must be presented by every request: as ?token= (which
	// sets a cookie holding a value derived from it), the cookie, or an
	// Authorization: Bearer header. Serve refuses one shorter than
	// MinTokenLength.
	Token string
	// Loopback requires the Host header to name a loopback address (against
	// DNS rebinding); set it when listening on loopback.
	Loopback bool
	// Now is the clock for ETAs (default time.Now).
	Now func() time.Time
	// CacheBytes bounds the answers kept (default DefaultCacheBytes).
	CacheBytes int
}

// server answers the dashboard's requests.
type server struct {
	store Reader
	opts  Options
	cache *cache
	mux   *http.ServeMux
	vr    *versionReader
	// boot starts every data version this server reports, so that an ETag
	// or a page from another run of the server (over another database,
	// whose data version may be the same number) is never taken for
	// current.
	boot string
	// session is the cookie's value: derived from the token, not the token.
	session string
	// inFlight holds one element per request being answered.
	inFlight chan struct{}
}

// maxInFlight bounds the requests answered at once; more get 503.
const maxInFlight = 256

// Handler returns the dashboard over store.
func Handler(store Reader, opts Options) http.Handler {
	s := newServer(store, opts)
	return s.guard(s.mux)
}

// newServer makes the dashboard's server over store.
func newServer(store Reader, opts Options) *server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	s := &server{store: store, opts: opts, mux: http.NewServeMux(), vr: &versionReader{read: store.DataVersion},
		boot: bootID(), inFlight: make(chan struct{}, maxInFlight)}
	if opts.Token != "" {
		s.session = sessionValue(opts.Token)
	}
	s.cache = newCache(s.version, opts.CacheBytes)
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // a constant embedded folder
	}
	chartOptions := []string{optMetric, optGroupBy}
	s.mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("/{$}", s.cached(nil, s.index))
	s.mux.HandleFunc("/api/sweeps", s.cached(nil, s.apiSweeps))
	s.mux.HandleFunc("/sweeps/{id}", s.cached(pageOptions, s.sweep))
	s.mux.HandleFunc("/api/sweeps/{id}", s.cached(pageOptions, s.apiSweep))
	s.mux.HandleFunc("/sweeps/{id}/curves.svg", s.cached(chartOptions, s.sweepChart))
	s.mux.HandleFunc("/runs/{id}", s.cached(nil, s.run))
	s.mux.HandleFunc("/api/runs/{id}", s.cached(nil, s.apiRun))
	s.mux.HandleFunc("/runs/{id}/curves.svg", s.cached(nil, s.runChart))
	s.mux.HandleFunc("/sweeps/{id}/search/{file}", s.cached([]string{optMetric}, s.searchChart))
	s.mux.HandleFunc("/runs/{id}/confusion.svg", s.cached(nil, s.confusionChart))
	return s
}

// bootID is a random text that tells this server's data versions from
// another's.
func bootID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// httpError is an error with its HTTP status.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }

func badRequest(err error) error { return &httpError{status: http.StatusBadRequest, err: err} }

// errorAnswer turns err into a plain-text answer: 404 for what does not
// exist, 400 for bad options, else 500.
func errorAnswer(err error) answer {
	status := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, resultdb.ErrNotFound):
		status = http.StatusNotFound
	}
	return answer{status: status, ctype: "text/plain; charset=utf-8", body: []byte(err.Error() + "\n")}
}

// page is what a route's computation gets: the request's path values and
// options, read before the computation starts (it may outlive the
// request, whose fields it must not touch).
type page struct {
	id   int64  // {id}, if the route has one
	file string // {file}, if the route has one
	view View
}

// cached serves compute's answer from the cache, keyed by the route, its
// path values and the options it reads (normalised: see parseOptions).
// Bad options and ids are answered at once, without a computation.
func (s *server) cached(reads []string, compute func(ctx context.Context, p *page) (answer, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		view, err := parseOptions(q, reads)
		if err != nil {
			s.write(w, r, errorAnswer(err))
			return
		}
		p := &page{file: r.PathValue("file"), view: view}
		if r.PathValue("id") != "" {
			if p.id, err = parseID(r.PathValue("id")); err != nil {
				s.write(w, r, errorAnswer(err))
				return
			}
		}
		key := fmt.Sprintf("%s\x00%d\x00%s\x00%s", r.Pattern, p.id, p.file, view.encode())
		// A chart asked for at a data version (?v=, as pages do when the
		// data changed) waits for that version rather than take an older.
		fresh := q.Get(optVersion) != ""
		ans, err := s.cache.get(r.Context(), key, fresh, func(ctx context.Context) answer {
			a, err := compute(ctx, p)
			if err != nil {
				return errorAnswer(err)
			}
			a.gz = gzipped(a.body)
			return a
		})
		if err != nil {
			ans = errorAnswer(err)
		}
		s.write(w, r, ans)
	}
}

// write sends ans: its ETag (a request that names it gets 304), gzipped
// if the client accepts it, and always with Content-Length.
func (s *server) write(w http.ResponseWriter, r *http.Request, ans answer) {
	hdr := w.Header()
	if s.opts.Token == "" { // with a token, guard set no-store
		hdr.Set("Cache-Control", "no-cache") // revalidate every time
	}
	if ans.retryAfter > 0 {
		hdr.Set("Retry-After", strconv.Itoa(ans.retryAfter))
	}
	if ans.status == http.StatusOK && ans.etag != "" {
		hdr.Set("ETag", ans.etag)
		if r.Header.Get("If-None-Match") == ans.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Type", ans.ctype)
	hdr.Set("Vary", "Accept-Encoding")
	body := ans.body
	if ans.gz != nil && acceptsGzip(r) {
		hdr.Set("Content-Encoding", "gzip")
		body = ans.gz
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ans.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a client gone is not the server's error
	}
}

// parseID parses an {id} of the path: a positive integer, bound as a
// query argument (never part of SQL text).
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &httpError{status: http.StatusNotFound, err: fmt.Errorf("%s is not an id", short(s))}
	}
	return id, nil
}

// version is the data version this server reports: its boot id and the
// store's version, read at most every versionMaxAge.
func (s *server) version(ctx context.Context) (string, error) {
	v, err := s.vr.version(ctx)
	if err != nil {
		return "", err
	}
	return s.boot + "." + v, nil
}

func (s *server) sweepsPage(ctx context.Context) (*SweepsPage, error) {
	v, err := s.version(ctx)
	if err != nil {
		return nil, err
	}
	sweeps, err := loadSweeps(ctx, s.store, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return &SweepsPage{Version: v, Sweeps: sweeps, Display: sweepsDisplay(sweeps)}, nil
}

func (s *server) sweepPage(ctx context.Context, pg *page) (*SweepPage, error) {
	v, err := s.version(ctx)
	if err != nil {
		return nil, err
	}
	p, err := loadSweep(ctx, s.store, pg.id, pg.view, s.opts.Now())
	if err != nil {
		return nil, err
	}
	p.Version = v
	p.Display.Fields = sweepFields(p.Sweep)
	return p, nil
}

func (s *server) runPage(ctx context.Context, pg *page) (*RunPage, error) {
	v, err := s.version(ctx)
	if err != nil {
		return nil, err
	}
	p, err := loadRun(ctx, s.store, pg.id)
	if err != nil {
		return nil, err
	}
	p.Version = v
	p.Display = runDisplay(p)
	return p, nil
}

func (s *server) index(ctx context.Context, _ *page) (answer, error) {
	p, err := s.sweepsPage(ctx)
	if err != nil {
		return answer{}, err
	}
	return htmlPage("index.tmpl", p)
}

func (s *server) apiSweeps(ctx context.Context, _ *page) (answer, error) {
	p, err := s.sweepsPage(ctx)
	if err != nil {
		return answer{}, err
	}
	return jsonAnswer(p)
}

func (s *server) sweep(ctx context.Context, pg *page) (answer, error) {
	p, err := s.sweepPage(ctx, pg)
	if err != nil {
		return answer{}, err
	}
	q := pg.view.encode()
	api := fmt.Sprintf("/api/sweeps/%d", pg.id)
	if q != "" {
		api += "?" + q
	}
	return htmlPage("sweep.tmpl", sweepView{SweepPage: p, Query: template.URL(q), API: api}) // q is encoded
}

func (s *server) apiSweep(ctx context.Context, pg *page) (answer, error) {
	p, err := s.sweepPage(ctx, pg)
	if err != nil {
		return answer{}, err
	}
	return jsonAnswer(p)
}

func (s *server) run(ctx context.Context, pg *page) (answer, error) {
	p, err := s.runPage(ctx, pg)
	if err != nil {
		return answer{}, err
	}
	return htmlPage("run.tmpl", p)
}

func (s *server) apiRun(ctx context.Context, pg *page) (answer, error) {
	p, err := s.runPage(ctx, pg)
	if err != nil {
		return answer{}, err
	}
	return jsonAnswer(p)
}

// sweepView is the sweep template's data.
type sweepView struct {
	*SweepPage
	Query template.URL // the page's options, encoded, for links and the chart
	API   string       // the JSON the page polls
}

// sweepChart renders the learning curves of a sweep's trials (by group
// with ?group-by=).
func (s *server) sweepChart(ctx context.Context, pg *page) (answer, error) {
	sw, err := s.store.Sweep(ctx, pg.id)
	if err != nil {
		return answer{}, err
	}
	rows, metric, err := report.Select(ctx, s.store, report.Filter{Sweep: sw}, report.Metric(pg.view.Metric))
	if err != nil {
		return answer{}, err
	}
	if err := checkPaths(rows, pg.view.GroupBy); err != nil {
		return answer{}, err
	}
	return svg(rows, metric, pg.view.GroupBy)
}

// runChart renders one run's curve of its default metric.
func (s *server) runChart(ctx context.Context, pg *page) (answer, error) {
	rows, metric, err := report.Select(ctx, s.store, report.Filter{Runs: []int64{pg.id}}, "")
	if err != nil {
		return answer{}, err
	}
	if len(rows) == 0 {
		return answer{}, fmt.Errorf("run %d: %w", pg.id, resultdb.ErrNotFound)
	}
	return svg(rows, metric, nil)
}

// searchChart renders search chart N of a sweep (/sweeps/ID/search/N.svg):
// the charts exp report draws for a sweep with axes.
func (s *server) searchChart(ctx context.Context, pg *page) (answer, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(pg.file, ".svg"))
	if err != nil || n < 0 || !strings.HasSuffix(pg.file, ".svg") {
		return answer{}, badRequest(fmt.Errorf("%s is not a chart number followed by .svg", short(pg.file)))
	}
	sw, err := s.store.Sweep(ctx, pg.id)
	if err != nil {
		return answer{}, err
	}
	rows, metric, err := report.Select(ctx, s.store, report.Filter{Sweep: sw}, report.Metric(pg.view.Metric))
	if err != nil {
		return answer{}, err
	}
	figs := report.SearchFigures(rows, metric)
	if n >= len(figs) {
		return answer{}, fmt.Errorf("sweep %d: search chart %d: %w", pg.id, n, resultdb.ErrNotFound)
	}
	return answer{status: http.StatusOK, ctype: "image/svg+xml", body: figs[n].SVG}, nil
}

// confusionChart renders the heatmap of a run's stored confusion matrix.
func (s *server) confusionChart(ctx context.Context, pg *page) (answer, error) {
	run, err := s.store.Run(ctx, pg.id)
	if err != nil {
		return answer{}, err
	}
	figs, err := report.ConfusionFigures(ctx, s.store, []*record.Run{run})
	if err != nil {
		return answer{}, err
	}
	if len(figs) == 0 {
		return answer{}, fmt.Errorf("run %d: confusion matrix: %w", pg.id, resultdb.ErrNotFound)
	}
	return answer{status: http.StatusOK, ctype: "image/svg+xml", body: figs[0].SVG}, nil
}

// svg renders the chart of rows as an SVG answer.
func svg(rows []*report.Row, metric report.Metric, paths []string) (answer, error) {
	var b bytes.Buffer
	if err := chart.Render(&b, report.Chart(rows, metric, paths), "svg"); err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusOK, ctype: "image/svg+xml", body: b.Bytes()}, nil
}

// htmlPage renders template name with data.
func htmlPage(name string, data any) (answer, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusOK, ctype: "text/html; charset=utf-8", body: b.Bytes()}, nil
}

// jsonAnswer encodes v (html/template-safe: <, > and & are escaped).
func jsonAnswer(v any) (answer, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusOK, ctype: "application/json", body: append(b, '\n')}, nil
}

// numeric reports whether a table column holds numbers (right-aligned).
func numeric(t Table, col int) bool {
	seen := false
	for _, r := range t.Rows {
		switch r[col].Value.(type) {
		case nil:
		case float64, int64, int:
			seen = true
		default:
			return false
		}
	}
	return seen
}

// gzipMin is the least body size worth compressing.
const gzipMin = 4 << 10

// gzipped returns body compressed once, for every request that accepts
// gzip, or nil for a small body.
func gzipped(body []byte) []byte {
	if len(body) < gzipMin {
		return nil
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil || zw.Close() != nil {
		return nil
	}
	return b.Bytes()
}

// acceptsGzip reports whether the request accepts a gzip body.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
