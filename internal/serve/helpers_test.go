package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// hostile is a text trying to break out of wherever it is put (as in
// htmlreport's tests).
func hostile(field string) string {
	return `<script>alert("` + field + `")</script> & more`
}

// fixture is a results database with one sweep of three trials: two with
// epochs (one still running) and one pending; names are hostile.
type fixture struct {
	path  string
	w     *resultdb.DB // a writer on the same file
	sweep *record.Sweep
	runs  []*record.Run // in plan order
}

// newFixture creates the fixture's database.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "runs.db")
	w, err := resultdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	sw, _, err := w.OpenSweep(ctx, hostile("sweep"), "/work/"+hostile("file")+".yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var plan []*record.Run
	for i, lr := range []float64{0.1, 0.01, 0.001} {
		cfg := fmt.Sprintf("name: %q\nmodel:\n  name: mlp\ntrain:\n  learning_rate: %g\n", hostile("run"), lr)
		plan = append(plan, &record.Run{Name: hostile("run"), ModelName: hostile("model"), ConfigYAML: cfg, ConfigHash: fmt.Sprint(i),
			Backend: "go", Optimizer: "adam", LearningRate: lr, BatchSize: 32, Epochs: 5,
			Params: map[string]any{"train.learning_rate": lr}})
	}
	all, _, err := w.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{path: path, w: w, sweep: sw, runs: all}
	for i, accs := range [][]float64{{0.80, 0.90, 0.95}, {0.70, 0.75}} {
		if _, err := w.ClaimTrial(ctx, []int64{all[i].ID}, resultdb.Claim{Owner: "t"}); err != nil {
			t.Fatal(err)
		}
		for e, a := range accs {
			fx.addEpoch(t, all[i].ID, e+1, a)
		}
	}
	if err := w.FinishTrial(ctx, all[0].ID, "t", resultdb.Outcome{Status: record.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	return fx
}

// addEpoch records epoch of run id with val_accuracy acc.
func (fx *fixture) addEpoch(t testing.TB, id int64, epoch int, acc float64) {
	t.Helper()
	loss, vloss := 1-acc, 1.1-acc
	e := &record.Epoch{RunID: id, Epoch: epoch, Loss: &loss, Accuracy: &acc, ValLoss: &vloss, ValAccuracy: &acc,
		Seconds: 1, MsPerStep: 2, ExamplesPerSecond: 100, FinishedAt: time.Now()}
	if err := fx.w.AddTrialEpoch(context.Background(), "t", e); err != nil {
		t.Fatal(err)
	}
}

// open opens the fixture read-only, closed when the test ends.
func (fx *fixture) open(t testing.TB) *resultdb.ReadOnly {
	t.Helper()
	ro, err := resultdb.OpenReadOnly(context.Background(), fx.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

// get sends a request to h and returns the response.
func get(h http.Handler, method, target string, header http.Header) *http.Response {
	req := httptest.NewRequest(method, target, nil)
	req.Host = "127.0.0.1:8080"
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// resultsCompleted finishes a trial as completed.
var resultsCompleted = resultdb.Outcome{Status: record.StatusCompleted}
