package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// tpeSweep is a TPE search of a line fit: 8 trials, the first 3 random.
const tpeSweep = `
name: tpelines
data: {dataset: linear, n: 400, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train: {optimizer: sgd, batch_size: 400, epochs: %d}
sweep:
  method: tpe
  samples: 8
  n_startup: 3
  seed: 3
  axes:
    train.learning_rate: {loguniform: [1.0e-3, 0.5]}
    train.batch_size: [25, 100, 400]
`

// sweepTrials returns the trials of db's latest sweep, by trial number.
func sweepTrials(t *testing.T, db string) []*record.Run {
	t.Helper()
	s := openStore(t, db)
	sweeps, err := s.Sweeps(context.Background())
	if err != nil || len(sweeps) == 0 {
		t.Fatalf("sweeps: %v %v", sweeps, err)
	}
	trials, err := s.Trials(context.Background(), sweeps[len(sweeps)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

// proposals lists the trials' params in trial order, checking that no two
// share a config hash.
func proposals(t *testing.T, trials []*record.Run) []string {
	t.Helper()
	seen := map[string]int{}
	var out []string
	for _, r := range trials {
		if prev, dup := seen[r.ConfigHash]; dup {
			t.Errorf("trials %d and %d share config hash %s", prev, r.Trial, r.ConfigHash)
		}
		seen[r.ConfigHash] = r.Trial
		out = append(out, fmt.Sprintf("%d: %v %v", r.Trial, r.Params["train.learning_rate"], r.Params["train.batch_size"]))
	}
	return out
}

// checkBudget checks that the sweep ran its 8 trials to completion, each
// once, with every epoch once.
func checkBudget(t *testing.T, db string, epochs int) []*record.Run {
	t.Helper()
	eps, _ := sweepEpochs(t, db)
	trials := sweepTrials(t, db)
	if len(trials) != 8 {
		t.Fatalf("%d trials, want the budget of 8", len(trials))
	}
	for _, r := range trials {
		if r.Status != record.StatusCompleted || len(eps[r.Trial]) != epochs {
			t.Errorf("trial %d: %s with %d of %d epochs", r.Trial, r.Status, len(eps[r.Trial]), epochs)
		}
	}
	return trials
}

// TestTPESweep runs a TPE sweep to its budget with --jobs 2, then checks
// exp importance and the report's search charts on it.
func TestTPESweep(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "tpe.yaml", fmt.Sprintf(tpeSweep, 20))
	db := filepath.Join(dir, "runs.db")
	code, out, errOut := run(t, nil, "run", file, "--db", db, "--jobs", "2")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	proposals(t, checkBudget(t, db, 20))
	if !strings.Contains(out, "tpe search, 0 of 8 trials proposed so far") || !strings.Contains(out, "trial 8/8") {
		t.Errorf("exp run's output:\n%s", out)
	}
	// Re-running finds the budget spent and proposes nothing.
	code, out, _ = run(t, nil, "run", file, "--db", db)
	if code != ExitOK || !strings.Contains(out, "nothing to do") || len(sweepTrials(t, db)) != 8 {
		t.Errorf("re-run: exit %d, %d trials:\n%s", code, len(sweepTrials(t, db)), out)
	}

	code, out, errOut = run(t, nil, "importance", "--db", db)
	if code != ExitOK {
		t.Fatalf("importance: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"importance of each axis for the best val_loss of 8 trials", "method: first-order variance share", "train.learning_rate", "train.batch_size"} {
		if !strings.Contains(out, want) {
			t.Errorf("exp importance lacks %q:\n%s", want, out)
		}
	}
	// The learning rate decides a line fit's loss after 20 epochs of SGD.
	if lr, bs := strings.Index(out, "  train.learning_rate"), strings.Index(out, "  train.batch_size"); lr < 0 || bs < lr {
		t.Errorf("the learning rate is not ranked first:\n%s", out)
	}

	page := filepath.Join(dir, "report.html")
	if code, _, errOut := run(t, nil, "report", "--db", db, "-o", page); code != ExitOK {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	html, _ := os.ReadFile(page)
	for _, want := range []string{"Hyperparameter importance for val_loss", "Parallel coordinates: all trials", "val_loss against train.learning_rate", "val_loss against train.batch_size"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the report lacks the chart %q", want)
		}
	}
}

// TestTPEKillResume kills a --jobs 1 TPE sweep's process group with
// SIGKILL once TPE proposes, runs it again, and compares with an
// uninterrupted run: the same proposals in the same order, nothing lost or
// repeated.
func TestTPEKillResume(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "tpe.yaml", fmt.Sprintf(tpeSweep, 30))
	db := filepath.Join(dir, "runs.db")
	cmd := expCmd("run", file, "--db", db, "--jobs", "1", "--threads", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute) // a guard against hangs only
	for {
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("trial 4 (TPE's first) never began")
		}
		if trialStarted(db, 4) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// The trial process may outlive exp run by a moment, holding its
	// trial's lock: the re-run would take the trial for another worker's.
	for syscall.Kill(-cmd.Process.Pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(sweepTrials(t, db)); n >= 8 {
		t.Fatalf("the kill came after all %d trials were proposed", n)
	}

	code, out, errOut := run(t, nil, "run", file, "--db", db, "--jobs", "1", "--threads", "1")
	if code != ExitOK {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, out, errOut)
	}
	resumed := proposals(t, checkBudget(t, db, 30))

	clean := filepath.Join(dir, "clean.db")
	if code, out, errOut := run(t, nil, "run", file, "--db", clean, "--jobs", "1", "--threads", "1"); code != ExitOK {
		t.Fatalf("clean run: exit %d\n%s\n%s", code, out, errOut)
	}
	want := proposals(t, checkBudget(t, clean, 30))
	if strings.Join(resumed, "\n") != strings.Join(want, "\n") {
		t.Errorf("killed and resumed, the sweep proposed\n%s\nuninterrupted\n%s", strings.Join(resumed, "\n"), strings.Join(want, "\n"))
	}
}

// trialStarted reports whether trial n of db's sweep has an epoch.
func trialStarted(db string, n int) bool {
	s, err := resultdb.Open(context.Background(), db)
	if err != nil {
		return false
	}
	defer s.Close()
	sweeps, _ := s.Sweeps(context.Background())
	if len(sweeps) == 0 {
		return false
	}
	trials, _ := s.Trials(context.Background(), sweeps[0].ID)
	for _, r := range trials {
		if r.Trial == n {
			es, _ := s.Epochs(context.Background(), r.ID)
			return len(es) > 0
		}
	}
	return false
}

// TestPostgresTPEWorkers runs one TPE sweep from two exp run workers on
// PostgreSQL, two trials at a time each: together they spend the budget,
// no configuration is proposed twice, and each trial runs once.
func TestPostgresTPEWorkers(t *testing.T) {
	dsn := postgresTestDB(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "tpe.yaml", fmt.Sprintf(tpeSweep, 40))
	args := []string{"run", file, "--db", dsn, "--checkpoints", filepath.Join(dir, "ckpt"), "--lease", "5s", "--jobs", "2", "--threads", "1"}
	deadline := time.Now().Add(3 * time.Minute) // a guard against hangs only
	workers := []*worker{startWorker(t, args...), startWorker(t, args...)}
	for i, w := range workers {
		if code := w.wait(t, deadline); code != ExitOK {
			t.Errorf("worker %d: exit %d; output:\n%s", i+1, code, w.log())
		}
	}
	store := openStore(t, dsn)
	ctx := context.Background()
	sweeps, err := store.Sweeps(ctx)
	if err != nil || len(sweeps) != 1 {
		t.Fatalf("%d sweeps (%v), want the workers to share one", len(sweeps), err)
	}
	trials, err := store.Trials(ctx, sweeps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 8 {
		t.Fatalf("%d trials, want the budget of 8", len(trials))
	}
	proposals(t, trials)
	for _, r := range trials {
		es, _ := store.Epochs(ctx, r.ID)
		if r.Status != record.StatusCompleted || r.Attempts != 1 || len(es) != 40 {
			t.Errorf("trial %d: %s, %d attempts, %d epochs", r.Trial, r.Status, r.Attempts, len(es))
		}
	}
}

// TestValidateTPE: exp validate explains a tpe sweep, lists its space and
// its first n_startup trials; a budget within n_startup is a warning.
func TestValidateTPE(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "tpe.yaml", fmt.Sprintf(tpeSweep, 5))
	code, out, errOut := run(t, nil, "validate", file)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	golden(t, "validate_tpe.golden", strings.ReplaceAll(out, file, "tpe.yaml"))

	small := writeFile(t, dir, "small.yaml", strings.Replace(fmt.Sprintf(tpeSweep, 5), "samples: 8", "samples: 2", 1))
	code, out, errOut = run(t, nil, "validate", small)
	if code != ExitOK || !strings.Contains(out, "warning: sweep.samples (2) is not above sweep.n_startup (3)") || !strings.Contains(out, "First 2 trials:") {
		t.Errorf("samples below n_startup: exit %d\n%s\n%s", code, out, errOut)
	}
}
