package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// TestIgnoredOptions: options a page does not read are dropped before the
// cache (the issue: /runs/ID ignores ?sort= but made a new cache entry for
// each value), as is a chart's ?v=; /runs/007 is /runs/7.
func TestIgnoredOptions(t *testing.T) {
	fx := newFixture(t)
	s := newServer(fx.open(t), Options{})
	h := s.guard(s.mux)
	run := fx.runs[0].ID
	for i := range 50 {
		for _, path := range []string{"/runs/%d?sort=%d", "/api/runs/%d?sort=-%d&metric=val_loss", "/runs/%d/curves.svg?group-by=name&v=%d",
			"/runs/00%d?sort=x%d"} {
			target := fmt.Sprintf(path, run, i)
			if res := get(h, "GET", target, nil); res.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", target, res.StatusCode, body(t, res))
			}
		}
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if n := len(s.cache.entries); n != 3 {
		var keys []string
		for k := range s.cache.entries {
			keys = append(keys, fmt.Sprintf("%q", k))
		}
		t.Errorf("%d cache entries for 3 pages asked for with 50 values of options they ignore: %s", n, strings.Join(keys, ", "))
	}
}

// TestOptionErrors: unknown, repeated and overlong options, and group-by
// key paths no trial has, are a short 400 (the issue: a 60 KB unknown
// group-by key returned an 843 KB page); the README's ?sort=-best works.
func TestOptionErrors(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	sw, run := fx.sweep.ID, fx.runs[0].ID
	huge := "train." + strings.Repeat("x", 60000)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{fmt.Sprintf("/runs/%d?foo=1", run), 400, `unknown option "foo" (options: metric, group-by, sort)`},
		{fmt.Sprintf("/api/sweeps/%d?sort=id&sort=name", sw), 400, "option sort given 2 times"},
		{fmt.Sprintf("/api/sweeps/%d?group-by=%s", sw, huge), 400, "option group-by is longer than 512 bytes"},
		{fmt.Sprintf("/sweeps/%d?group-by=%s", sw, huge), 400, "option group-by is longer than 512 bytes"},
		{fmt.Sprintf("/runs/%d?sort=%s", run, huge), 400, "option sort is longer than 512 bytes"},
		{fmt.Sprintf("/api/sweeps/%d?group-by=model.layers[3].units", sw), 400, `group-by: no trial has "model.layers[3].units"`},
		{fmt.Sprintf("/sweeps/%d/curves.svg?group-by=train.nosuch", sw), 400, `group-by: no trial has "train.nosuch"`},
		{fmt.Sprintf("/api/sweeps/%d?group-by=a,b,c,d,e,f,g,h,i", sw), 400, "9 key paths; at most 8"},
		{fmt.Sprintf("/api/sweeps/%d?sort=id,,name", sw), 400, "an empty column name"},
		{fmt.Sprintf("/api/sweeps/%d?sort=nosuch", sw), 400, `no column "nosuch"`},
		{fmt.Sprintf("/sweeps/%d?sort=-best", sw), 200, "<table"},
		{fmt.Sprintf("/api/sweeps/%d?group-by=train.learning_rate,train.learning_rate&sort=-best", sw), 200, `"group_by":["train.learning_rate"]`},
	} {
		res := get(h, "GET", tc.path, nil)
		b := body(t, res)
		if res.StatusCode != tc.status || !strings.Contains(b, tc.want) || (tc.status == 400 && len(b) > 300) {
			t.Errorf("GET %.80s: %d, %d bytes: %.300s; want %d and %q", tc.path, res.StatusCode, len(b), b, tc.status, tc.want)
		}
	}
	for spec, want := range map[string][]float64{"-best": {0.95, 0.75, -1}, "best": {0.75, 0.95, -1}} {
		var page struct {
			Table struct {
				Columns []string `json:"columns"`
				Rows    [][]Cell `json:"rows"`
			} `json:"table"`
		}
		decode(t, h, fmt.Sprintf("/api/sweeps/%d?sort=%s", sw, spec), &page)
		col := -1
		for i, c := range page.Table.Columns {
			if c == "best val_accuracy" {
				col = i
			}
		}
		var got []float64
		for _, r := range page.Table.Rows {
			v, ok := r[col].Value.(float64)
			if !ok {
				v = -1
			}
			got = append(got, v)
		}
		if col < 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("?sort=%s: best values %v, want %v", spec, got, want)
		}
	}
}

// TestCacheBound: the 500 requests for one large page with
// different ?sort= values, scaled down: a run's page ignores them (one
// entry), and the sweep's page sorted every which way stays within the
// cache's bytes.
func TestCacheBound(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	bsw, _, err := fx.w.OpenSweep(ctx, "big", "/work/big.yaml", "hb", "", false)
	if err != nil {
		t.Fatal(err)
	}
	big, _, err := fx.w.PlanTrials(ctx, bsw.ID, []*record.Run{{Name: "big", ModelName: "mlp", ConfigHash: "big",
		ConfigYAML: "name: big\n# " + strings.Repeat("x", 40<<10) + "\n", Backend: "go", Optimizer: "adam", Epochs: 1}})
	if err != nil {
		t.Fatal(err)
	}
	const max = 256 << 10
	s := newServer(fx.open(t), Options{CacheBytes: max})
	h := s.guard(s.mux)
	for i := range 500 {
		if res := get(h, "GET", fmt.Sprintf("/runs/%d?sort=%d", big[0].ID, i), nil); res.StatusCode != 200 {
			t.Fatalf("run page, sort=%d: %d", i, res.StatusCode)
		}
	}
	cols := []string{"id", "name", "model", "train.learning_rate", "best", "best epoch", "final", "epochs", "time", "status"}
	for i := range 200 {
		var spec []string
		for j, c := range cols {
			if (i+1)>>j&1 == 1 {
				spec = append(spec, c)
			}
		}
		path := fmt.Sprintf("/sweeps/%d?sort=%s", fx.sweep.ID, strings.ReplaceAll(strings.Join(spec, ","), " ", "+"))
		if res := get(h, "GET", path, nil); res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body(t, res))
		}
		s.cache.mu.Lock()
		n := s.cache.bytes
		s.cache.mu.Unlock()
		if n > max {
			t.Fatalf("after %d sweep pages: %d bytes kept, bound %d", i+1, n, max)
		}
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	runKeys := 0
	for k := range s.cache.entries {
		if strings.HasPrefix(k, "/runs/{id}\x00") {
			runKeys++
		}
	}
	if runKeys > 1 || len(s.cache.entries) >= 200 {
		t.Errorf("%d entries for the run's page, %d in all", runKeys, len(s.cache.entries))
	}
}

// gatedStore holds AllEpochs until its gate is closed (or the computation
// runs out of time).
type gatedStore struct {
	*resultdb.ReadOnly
	gate chan struct{}
}

func (g *gatedStore) AllEpochs(ctx context.Context) (map[int64][]*record.Epoch, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.ReadOnly.AllEpochs(ctx)
}

// TestBusyAnswer: a page whose computation takes longer than a request
// may wait is a 503 with Retry-After and a body that says why, not an
// empty reply after the write timeout (the issue: 7 of 20 clients got
// one at about 72 s); once computed, it is served.
func TestBusyAnswer(t *testing.T) {
	if answerWait+time.Second >= writeTimeout || computeTimeout >= writeTimeout {
		t.Fatalf("a request waits %v for its answer, a computation runs %v; the write timeout is %v", answerWait, computeTimeout, writeTimeout)
	}
	fx := newFixture(t)
	gs := &gatedStore{ReadOnly: fx.open(t), gate: make(chan struct{})}
	s := newServer(gs, Options{})
	s.cache.answerWait = 100 * time.Millisecond
	h := s.guard(s.mux)
	path := fmt.Sprintf("/api/sweeps/%d", fx.sweep.ID)
	res := get(h, "GET", path, nil)
	b := body(t, res)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "2" || !strings.Contains(b, "still being computed") {
		t.Errorf("GET %s while it is computed: %d, Retry-After %q, %q", path, res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	close(gs.gate)
	for i := 0; ; i++ {
		res := get(h, "GET", path, nil)
		var page SweepPage
		if res.StatusCode == 200 && json.NewDecoder(res.Body).Decode(&page) == nil && page.Sweep.ID == fx.sweep.ID {
			break
		}
		if i == 100 {
			t.Fatalf("GET %s after the computation could end: %d", path, res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeDB writes a database at path with one sweep of runs trials, and
// closes it (no writer is left).
func writeDB(t *testing.T, path string, runs int) {
	t.Helper()
	ctx := context.Background()
	w, err := resultdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sw, _, err := w.OpenSweep(ctx, fmt.Sprintf("sweep of %d", runs), "/work/s.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var plan []*record.Run
	for i := range runs {
		plan = append(plan, &record.Run{Name: "r", ModelName: "mlp", ConfigYAML: "name: r\n", ConfigHash: fmt.Sprint(i), Epochs: 1})
	}
	if _, _, err := w.PlanTrials(ctx, sw.ID, plan); err != nil {
		t.Fatal(err)
	}
}

// TestReplacedDatabase: when the database file is replaced by another,
// the dashboard serves the new one (it kept serving the old one and
// answered 404 for runs that now exist), and serving it left no -wal or
// -shm file beside it.
func TestReplacedDatabase(t *testing.T) {
	dir := t.TempDir()
	path, other := filepath.Join(dir, "runs.db"), filepath.Join(dir, "other.db")
	writeDB(t, path, 1)
	writeDB(t, other, 3)
	ro, err := resultdb.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	h := Handler(ro, Options{})
	if res := get(h, "GET", "/api/runs/3", nil); res.StatusCode != 404 {
		t.Fatalf("run 3 of the first file: %d", res.StatusCode)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // the first answers may be the cached ones, refreshed meanwhile
		res := get(h, "GET", "/api/runs/3", nil)
		if res.StatusCode == 200 {
			break
		}
		if i == 200 {
			t.Fatalf("run 3 after the file was replaced: %d %s", res.StatusCode, body(t, res))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("serving left %s", filepath.Base(path+side))
		}
	}
}
