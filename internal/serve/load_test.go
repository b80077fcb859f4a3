package serve

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// BenchmarkLoad is the load figure of exp serve (a benchmark, not a test;
// run it with make load): a SQLite database of 1,000 runs × 100 epochs in
// one sweep, 50 clients each polling the sweep's JSON once a second, and a
// writer committing epochs of 20 running trials to the same file, for
// $EXP_LOAD_SECONDS (default 30). It reports the JSON's latency
// percentiles and the errors either side saw ("database is locked" among
// them); the server listens on 127.0.0.1 only.
func BenchmarkLoad(b *testing.B) {
	const runs, epochs, running, clients = 1000, 100, 20, 50
	seconds := 30
	if s, err := strconv.Atoi(os.Getenv("EXP_LOAD_SECONDS")); err == nil && s > 0 {
		seconds = min(s, 600)
	}
	for range b.N {
		path := filepath.Join(b.TempDir(), "load.db")
		w, sw, live := loadDB(b, path, runs, epochs, running)
		ro, err := resultdb.OpenReadOnly(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(Handler(ro, Options{Loopback: true}))
		url := fmt.Sprintf("%s/api/sweeps/%d", srv.URL, sw.ID)
		warm := time.Now()
		if _, err := poll(url, new(string)); err != nil {
			b.Fatal(err)
		}
		b.Logf("first answer (cold cache) in %v", time.Since(warm).Round(time.Millisecond))

		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var lat []time.Duration
		var errs []string
		var full atomic.Int64
		wg.Add(clients)
		for i := range clients {
			go func() {
				defer wg.Done()
				// Pages opened at different times poll out of step.
				time.Sleep(time.Duration(i) * time.Second / clients)
				etag := new(string) // revalidated as the page's fetch does
				for tick := time.NewTicker(time.Second); ; {
					old := *etag
					d, err := poll(url, etag)
					if *etag != old {
						full.Add(1)
					}
					mu.Lock()
					lat = append(lat, d)
					if err != nil {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
					select {
					case <-ctx.Done():
						tick.Stop()
						return
					case <-tick.C:
					}
				}
			}()
		}
		commits, werrs := write(ctx, w, live, epochs/2+1, epochs)
		wg.Wait()
		cancel()
		srv.Close()
		ro.Close()
		reportLoad(b, lat, int(full.Load()), errs, commits, werrs, seconds)
	}
}

// poll gets url once, as the page's script does (If-None-Match the last
// ETag, kept in etag), and returns how long the answer took.
func poll(url string, etag *string) (time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	if *etag != "" {
		req.Header.Set("If-None-Match", *etag)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return time.Since(start), err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if res.StatusCode == 200 {
		*etag = res.Header.Get("ETag")
	}
	if err == nil && res.StatusCode != 200 && res.StatusCode != 304 {
		err = fmt.Errorf("HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(body)))
	}
	return d, err
}

// write commits epochs from..to of the live trials, one epoch every 50 ms
// (20 a second), until ctx is done; it returns the commits and errors.
func write(ctx context.Context, w *resultdb.DB, live []int64, from, to int) (int, []string) {
	var errs []string
	n := 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for epoch := from; epoch <= to; epoch++ {
		for _, id := range live {
			select {
			case <-ctx.Done():
				return n, errs
			case <-tick.C:
			}
			if err := w.AddTrialEpoch(context.Background(), "w", loadEpoch(id, epoch)); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			n++
		}
	}
	<-ctx.Done()
	return n, errs
}

func loadEpoch(id int64, epoch int) *record.Epoch {
	acc := 0.9 + float64(id%97)/1000 + float64(epoch)/10000
	loss := 1 - acc
	return &record.Epoch{RunID: id, Epoch: epoch, Loss: &loss, Accuracy: &acc, ValLoss: &loss, ValAccuracy: &acc,
		Seconds: 30, MsPerStep: 16, ExamplesPerSecond: 2000, FinishedAt: time.Now()}
}

// reportLoad logs and reports the run's figures.
func reportLoad(b *testing.B, lat []time.Duration, full int, errs []string, commits int, werrs []string, seconds int) {
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	locked := 0
	for _, e := range append(slices.Clone(errs), werrs...) {
		if strings.Contains(e, "database is locked") {
			locked++
		}
	}
	b.Logf("%d s: %d answers (%d full, the rest 304) to 50 clients, p50 %v, p99 %v, max %v; %d client errors; writer: %d epochs committed, %d errors; %d \"database is locked\"",
		seconds, len(lat), full, pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond),
		len(errs), commits, len(werrs), locked)
	for _, e := range append(errs, werrs...)[:min(5, len(errs)+len(werrs))] {
		b.Log("error: ", e)
	}
	b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(errs)+len(werrs)), "errors")
	if len(errs)+len(werrs) > 0 {
		b.Errorf("%d client and %d writer errors", len(errs), len(werrs))
	}
}

// loadDB creates the benchmark's database at path: one sweep of runs
// trials with epochs epochs each, except the first `running`, claimed by
// owner "w" with half their epochs. It returns the writer, the sweep and
// the running trials.
func loadDB(b *testing.B, path string, runs, epochs, running int) (*resultdb.DB, *record.Sweep, []int64) {
	ctx := context.Background()
	w, err := resultdb.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	sw, _, err := w.OpenSweep(ctx, "load", "/work/load.yaml", "h", "", false)
	if err != nil {
		b.Fatal(err)
	}
	var plan []*record.Run
	for i := range runs {
		lr := []float64{1e-2, 3e-3, 1e-3, 3e-4, 1e-4}[i%5]
		cfg := fmt.Sprintf("name: load\nmodel:\n  name: mlp\ntrain:\n  learning_rate: %g\n  batch_size: %d\n  seed: %d\n", lr, 32<<(i/5%3), i)
		plan = append(plan, &record.Run{Name: "load", ModelName: "mlp", ConfigYAML: cfg, ConfigHash: fmt.Sprint(i), Seed: int64(i),
			Backend: "cpu", Optimizer: "adam", LearningRate: lr, BatchSize: 32, Epochs: epochs,
			Params: map[string]any{"train.learning_rate": lr, "train.seed": i}})
	}
	all, _, err := w.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		b.Fatal(err)
	}
	var live []int64
	for _, r := range all[:running] {
		if _, err := w.ClaimTrial(ctx, []int64{r.ID}, resultdb.Claim{Owner: "w"}); err != nil {
			b.Fatal(err)
		}
		live = append(live, r.ID)
	}
	if err := fillEpochs(path, all, running, epochs); err != nil {
		b.Fatal(err)
	}
	return w, sw, live
}

// fillEpochs writes the epochs straight into the file in one transaction
// (100,000 commits through the store would take minutes): half of them
// for the running trials, all of them for the others, which it marks
// completed.
func fillEpochs(path string, all []*record.Run, running, epochs int) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=30000&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit, a no-op
	ins, err := tx.Prepare(`INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, ms_per_step, examples_per_second, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, 30, 16, 2000, ?)`)
	if err != nil {
		return err
	}
	start := time.Now().Add(-24 * time.Hour).UTC()
	for i, r := range all {
		n := epochs
		if i < running {
			n = epochs / 2
		}
		for e := 1; e <= n; e++ {
			ep := loadEpoch(r.ID, e)
			at := start.Add(time.Duration(i*epochs+e) * 30 * time.Second / 50).Format("2006-01-02T15:04:05.000Z07:00")
			if _, err := ins.Exec(r.ID, e, *ep.Loss, *ep.Accuracy, *ep.ValLoss, *ep.ValAccuracy, at); err != nil {
				return err
			}
		}
		if i >= running {
			if _, err := tx.Exec(`UPDATE runs SET status = 'completed', attempts = 1, started_at = ?, finished_at = ? WHERE id = ?`,
				start.Format("2006-01-02T15:04:05.000Z07:00"), start.Add(time.Hour).Format("2006-01-02T15:04:05.000Z07:00"), r.ID); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
