package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
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
	// sets a cookie), the cookie, or an Authorization: Bearer header.
	Token string
	// Loopback requires the Host header to name a loopback address (against
	// DNS rebinding); set it when listening on loopback.
	Loopback bool
	// Now is the clock for ETAs (default time.Now).
	Now func() time.Time
}

// server answers the dashboard's requests.
type server struct {
	store Reader
	opts  Options
	cache *cache
	mux   *http.ServeMux
}

// maxCached bounds the answers kept (keys include query options).
const maxCached = 512

// Handler returns the dashboard over store.
func Handler(store Reader, opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	vr := &versionReader{read: store.DataVersion}
	s := &server{store: store, opts: opts, cache: newCache(vr.version, maxCached), mux: http.NewServeMux()}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // a constant embedded folder
	}
	s.mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("/{$}", s.cached(s.index))
	s.mux.HandleFunc("/api/sweeps", s.cached(s.apiSweeps))
	s.mux.HandleFunc("/sweeps/{id}", s.cached(s.sweep))
	s.mux.HandleFunc("/api/sweeps/{id}", s.cached(s.apiSweep))
	s.mux.HandleFunc("/sweeps/{id}/curves.svg", s.cached(s.sweepChart))
	s.mux.HandleFunc("/runs/{id}", s.cached(s.run))
	s.mux.HandleFunc("/api/runs/{id}", s.cached(s.apiRun))
	s.mux.HandleFunc("/runs/{id}/curves.svg", s.cached(s.runChart))
	s.mux.HandleFunc("/sweeps/{id}/search/{file}", s.cached(s.searchChart))
	s.mux.HandleFunc("/runs/{id}/confusion.svg", s.cached(s.confusionChart))
	return s.guard(s.mux)
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

// cached serves compute's answer from the cache, keyed by the request's
// path and the canonical form of its options.
func (s *server) cached(compute func(r *http.Request) (answer, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + "?" + canonicalQuery(r)
		// A chart asked for at a data version (?v=, as pages do when the
		// data changed) waits for that version rather than take an older.
		fresh := r.URL.Query().Has("v")
		ans, err := s.cache.get(r.Context(), key, fresh, func(ctx context.Context) answer {
			a, err := compute(r.Clone(ctx))
			if err != nil {
				return errorAnswer(err)
			}
			a.gz = gzipped(a.body)
			return a
		})
		if err != nil {
			ans = errorAnswer(err)
		}
		hdr := w.Header()
		hdr.Set("Cache-Control", "no-cache") // revalidate every time
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
			_, _ = w.Write(body)
		}
	}
}

// canonicalQuery keeps the options a page reads, in a fixed order (not the
// token, nor the chart's cache-busting v).
func canonicalQuery(r *http.Request) string {
	q, keep := r.URL.Query(), url.Values{}
	for _, k := range []string{"metric", "group-by", "sort"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	return keep.Encode()
}

// parseID parses the {id} of the path: a positive integer, bound as a
// query argument (never part of SQL text).
func parseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &httpError{status: http.StatusNotFound, err: fmt.Errorf("%q is not an id", r.PathValue("id"))}
	}
	return id, nil
}

// parseView reads a sweep page's options: metric, group-by, sort.
func parseView(r *http.Request) (View, error) {
	q := r.URL.Query()
	v := View{Sort: q.Get("sort")}
	if m := q.Get("metric"); m != "" {
		metric, err := report.ParseMetric(m)
		if err != nil {
			return v, badRequest(fmt.Errorf("metric: %w", err))
		}
		v.Metric = string(metric)
	}
	if g := q.Get("group-by"); g != "" {
		paths, err := report.ParsePaths(g)
		if err != nil {
			return v, badRequest(fmt.Errorf("group-by: %w", err))
		}
		v.GroupBy = paths
	}
	return v, nil
}

func (s *server) version(ctx context.Context) (string, error) { return s.store.DataVersion(ctx) }

func (s *server) sweepsPage(r *http.Request) (*SweepsPage, error) {
	v, err := s.version(r.Context())
	if err != nil {
		return nil, err
	}
	sweeps, err := loadSweeps(r.Context(), s.store, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return &SweepsPage{Version: v, Sweeps: sweeps, Display: sweepsDisplay(sweeps)}, nil
}

func (s *server) sweepPage(r *http.Request) (*SweepPage, error) {
	id, err := parseID(r)
	if err != nil {
		return nil, err
	}
	view, err := parseView(r)
	if err != nil {
		return nil, err
	}
	v, err := s.version(r.Context())
	if err != nil {
		return nil, err
	}
	p, err := loadSweep(r.Context(), s.store, id, view, s.opts.Now())
	if err != nil {
		return nil, err
	}
	p.Version = v
	p.Display.Fields = sweepFields(p.Sweep)
	return p, nil
}

func (s *server) runPage(r *http.Request) (*RunPage, error) {
	id, err := parseID(r)
	if err != nil {
		return nil, err
	}
	v, err := s.version(r.Context())
	if err != nil {
		return nil, err
	}
	p, err := loadRun(r.Context(), s.store, id)
	if err != nil {
		return nil, err
	}
	p.Version = v
	p.Display = runDisplay(p)
	return p, nil
}

func (s *server) index(r *http.Request) (answer, error) {
	p, err := s.sweepsPage(r)
	if err != nil {
		return answer{}, err
	}
	return htmlPage("index.tmpl", p)
}

func (s *server) apiSweeps(r *http.Request) (answer, error) {
	p, err := s.sweepsPage(r)
	if err != nil {
		return answer{}, err
	}
	return jsonAnswer(p)
}

func (s *server) sweep(r *http.Request) (answer, error) {
	p, err := s.sweepPage(r)
	if err != nil {
		return answer{}, err
	}
	return htmlPage("sweep.tmpl", sweepView{SweepPage: p, Query: template.URL(canonicalQuery(r)), API: "/api" + r.URL.Path + querySuffix(r)})
}

func (s *server) apiSweep(r *http.Request) (answer, error) {
	p, err := s.sweepPage(r)
	if err != nil {
		return answer{}, err
	}
	return jsonAnswer(p)
}

func (s *server) run(r *http.Request) (answer, error) {
	p, err := s.runPage(r)
	if err != nil {
		return answer{}, err
	}
	return htmlPage("run.tmpl", p)
}

func (s *server) apiRun(r *http.Request) (answer, error) {
	p, err := s.runPage(r)
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

// querySuffix is "?" and the page's canonical options, or "".
func querySuffix(r *http.Request) string {
	if q := canonicalQuery(r); q != "" {
		return "?" + q
	}
	return ""
}

// sweepChart renders the learning curves of a sweep's trials (by group
// with ?group-by=).
func (s *server) sweepChart(r *http.Request) (answer, error) {
	id, err := parseID(r)
	if err != nil {
		return answer{}, err
	}
	view, err := parseView(r)
	if err != nil {
		return answer{}, err
	}
	sw, err := s.store.Sweep(r.Context(), id)
	if err != nil {
		return answer{}, err
	}
	rows, metric, err := report.Select(r.Context(), s.store, report.Filter{Sweep: sw}, report.Metric(view.Metric))
	if err != nil {
		return answer{}, err
	}
	return svg(rows, metric, view.GroupBy)
}

// runChart renders one run's curve of its default metric.
func (s *server) runChart(r *http.Request) (answer, error) {
	id, err := parseID(r)
	if err != nil {
		return answer{}, err
	}
	rows, metric, err := report.Select(r.Context(), s.store, report.Filter{Runs: []int64{id}}, "")
	if err != nil {
		return answer{}, err
	}
	if len(rows) == 0 {
		return answer{}, fmt.Errorf("run %d: %w", id, resultdb.ErrNotFound)
	}
	return svg(rows, metric, nil)
}

// searchChart renders search chart N of a sweep (/sweeps/ID/search/N.svg):
// the charts exp report draws for a sweep with axes.
func (s *server) searchChart(r *http.Request) (answer, error) {
	id, err := parseID(r)
	if err != nil {
		return answer{}, err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("file"), ".svg"))
	if err != nil || n < 0 || !strings.HasSuffix(r.PathValue("file"), ".svg") {
		return answer{}, badRequest(fmt.Errorf("%q is not a chart number followed by .svg", r.PathValue("file")))
	}
	view, err := parseView(r)
	if err != nil {
		return answer{}, err
	}
	sw, err := s.store.Sweep(r.Context(), id)
	if err != nil {
		return answer{}, err
	}
	rows, metric, err := report.Select(r.Context(), s.store, report.Filter{Sweep: sw}, report.Metric(view.Metric))
	if err != nil {
		return answer{}, err
	}
	figs := report.SearchFigures(rows, metric)
	if n >= len(figs) {
		return answer{}, fmt.Errorf("sweep %d: search chart %d: %w", id, n, resultdb.ErrNotFound)
	}
	return answer{status: http.StatusOK, ctype: "image/svg+xml", body: figs[n].SVG}, nil
}

// confusionChart renders the heatmap of a run's stored confusion matrix.
func (s *server) confusionChart(r *http.Request) (answer, error) {
	id, err := parseID(r)
	if err != nil {
		return answer{}, err
	}
	run, err := s.store.Run(r.Context(), id)
	if err != nil {
		return answer{}, err
	}
	figs, err := report.ConfusionFigures(r.Context(), s.store, []*record.Run{run})
	if err != nil {
		return answer{}, err
	}
	if len(figs) == 0 {
		return answer{}, fmt.Errorf("run %d: confusion matrix: %w", id, resultdb.ErrNotFound)
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
