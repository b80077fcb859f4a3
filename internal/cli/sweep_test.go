package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// writeFile writes a config file into dir and returns its path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// exp starts the test binary as exp (see TestMain) in its own process group.
func expCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

type epochRow struct {
	loss, acc, valLoss, valAcc float64
}

// sweepEpochs returns every trial's epochs, by trial number.
func sweepEpochs(t *testing.T, db string) (map[int][]epochRow, map[int]*record.Run) {
	t.Helper()
	s := openStore(t, db)
	ctx := context.Background()
	sweeps, err := s.Sweeps(ctx)
	if err != nil || len(sweeps) == 0 {
		t.Fatalf("sweeps: %v %v", sweeps, err)
	}
	trials, err := s.Trials(ctx, sweeps[len(sweeps)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	eps := map[int][]epochRow{}
	runs := map[int]*record.Run{}
	for _, r := range trials {
		runs[r.Trial] = r
		es, err := s.Epochs(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range es {
			if e.Epoch != i+1 {
				t.Fatalf("trial %d: epoch rows %d at position %d", r.Trial, e.Epoch, i)
			}
			eps[r.Trial] = append(eps[r.Trial], epochRow{val(e.Loss), val(e.Accuracy), val(e.ValLoss), val(e.ValAccuracy)})
		}
	}
	return eps, runs
}

const killSweep = `
name: killme
data: {dataset: mnist, train_examples: 60000, val_examples: 500}
model:
  layers:
    - {type: flatten}
    - {type: dense, units: 64, activation: relu}
    - {type: dropout, rate: 0.2}
    - {type: dense, units: 10, activation: softmax}
train: {optimizer: adam, epochs: 3, seed: 5}
sweep:
  axes:
    train.learning_rate: [1.0e-3, 3.0e-3]
`

// TestKillResume kills a running sweep with SIGKILL in the middle of an
// epoch, runs the same command again, and checks that every (trial, epoch)
// row exists exactly once, no trial is left running, and the resumed
// trial's metrics equal those of an uninterrupted run with the same seed.
func TestKillResume(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "sweep.yaml", killSweep)
	db := filepath.Join(dir, "runs.db")
	cmd := expCmd("run", file, "--db", db, "--jobs", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for trial 1's first epoch, then kill everything mid-epoch 2.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("no epoch was recorded in time")
		}
		if n := countEpochs(db); n >= 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// An epoch takes a second or more; epoch 2 has just begun.
	time.Sleep(50 * time.Millisecond)
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	eps, runs := sweepEpochs(t, db)
	if runs[1].Status != record.StatusRunning || len(eps[1]) == 0 || len(eps[1]) == 3 {
		t.Fatalf("after the kill: trial 1 %s with %d epochs; want running, mid-way", runs[1].Status, len(eps[1]))
	}
	killedAt := len(eps[1])

	code, out, errOut := run(t, nil, "run", file, "--db", db, "--jobs", "1")
	if code != ExitOK {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("resuming run %d after epoch %d", runs[1].ID, killedAt)) {
		t.Errorf("the re-run did not resume trial 1 after epoch %d:\n%s", killedAt, out)
	}
	eps, runs = sweepEpochs(t, db)
	for trial := 1; trial <= 2; trial++ {
		if runs[trial].Status != record.StatusCompleted || len(eps[trial]) != 3 {
			t.Errorf("trial %d: %s with %d epochs", trial, runs[trial].Status, len(eps[trial]))
		}
	}
	if runs[1].Attempts != 2 || runs[2].Attempts != 1 {
		t.Errorf("attempts %d, %d; want 2, 1", runs[1].Attempts, runs[2].Attempts)
	}

	// The same sweep, uninterrupted, in another database.
	db2 := filepath.Join(dir, "clean.db")
	if code, out, errOut := run(t, nil, "run", file, "--db", db2, "--jobs", "1"); code != ExitOK {
		t.Fatalf("clean run: exit %d\n%s\n%s", code, out, errOut)
	}
	clean, _ := sweepEpochs(t, db2)
	for trial := 1; trial <= 2; trial++ {
		for i := range clean[trial] {
			if eps[trial][i] != clean[trial][i] {
				t.Errorf("trial %d epoch %d: resumed %+v, uninterrupted %+v", trial, i+1, eps[trial][i], clean[trial][i])
			}
		}
	}
	// A finished trial keeps only its last checkpoint.
	ckpts, _ := filepath.Glob(filepath.Join(dir, "runs-checkpoints", fmt.Sprintf("run-%d", runs[1].ID), "epoch-*"))
	if len(ckpts) != 1 || !strings.HasSuffix(ckpts[0], "epoch-00003") {
		t.Errorf("checkpoints left: %v", ckpts)
	}
}

// val returns *p, or -1 for nil (a NaN would not compare equal to itself).
func val(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func countEpochs(db string) int {
	s, err := resultdb.Open(context.Background(), db)
	if err != nil {
		return 0
	}
	defer s.Close()
	runs, _ := s.Runs(context.Background())
	n := 0
	for _, r := range runs {
		es, _ := s.Epochs(context.Background(), r.ID)
		n += len(es)
	}
	return n
}

const linearSweep = `
name: lines
data: {dataset: linear, n: 400, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train: {optimizer: sgd, batch_size: 400, epochs: %d}
sweep:
  axes:
    train.learning_rate: %s
`

// TestTwoProcesses runs one sweep from two exp processes at once: together
// they finish it, each trial claimed and run exactly once.
func TestTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "lines.yaml", fmt.Sprintf(linearSweep, 30, "[0.05, 0.1, 0.2, 0.3, 0.4, 0.5]"))
	db := filepath.Join(dir, "runs.db")
	var cmds []*exec.Cmd
	for range 2 {
		cmd := expCmd("run", file, "--db", db)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i+1, err)
		}
	}
	s := openStore(t, db)
	sweeps, _ := s.Sweeps(context.Background())
	if len(sweeps) != 1 {
		t.Fatalf("%d sweeps, want the two processes to share one", len(sweeps))
	}
	trials, _ := s.Trials(context.Background(), sweeps[0].ID)
	if len(trials) != 6 {
		t.Fatalf("%d trials, want 6", len(trials))
	}
	for _, r := range trials {
		es, _ := s.Epochs(context.Background(), r.ID)
		if r.Status != record.StatusCompleted || r.Attempts != 1 || len(es) != 30 {
			t.Errorf("trial %d: %s, %d attempts, %d epochs", r.Trial, r.Status, r.Attempts, len(es))
		}
	}
}

// TestDivergedTrial: one trial's learning rate makes its loss overflow; it
// ends diverged, the rest of the sweep completes, and exp exits 1.
func TestDivergedTrial(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "lines.yaml", fmt.Sprintf(linearSweep, 20, "[0.1, 1.0e3, 0.3]"))
	db := filepath.Join(dir, "runs.db")
	code, out, errOut := run(t, nil, "run", file, "--db", db)
	if code != ExitFailed || !strings.Contains(errOut, "trial 2 (run 2) diverged") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	_, runs := sweepEpochs(t, db)
	want := map[int]record.Status{1: record.StatusCompleted, 2: record.StatusDiverged, 3: record.StatusCompleted}
	for trial, st := range want {
		if runs[trial].Status != st {
			t.Errorf("trial %d: %s, want %s", trial, runs[trial].Status, st)
		}
	}
	// Re-running skips the finished trials and leaves the diverged one be.
	code, out, _ = run(t, nil, "run", file, "--db", db)
	if code != ExitFailed || !strings.Contains(out, "2 completed, 1 diverged") || strings.Contains(out, "starting") {
		t.Errorf("re-run: exit %d\n%s", code, out)
	}
}

// TestEarlyStoppingAndPruning: full-batch gradient descent on a line
// converges, so early stopping ends it before its planned epochs; in a sweep
// whose later trials learn far more slowly, the median rule prunes them at
// the milestone.
func TestEarlyStoppingAndPruning(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "es.yaml", `
data: {dataset: linear, n: 400, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train:
  optimizer: sgd
  batch_size: 400
  epochs: 200
  early_stopping: {monitor: val_loss, patience: 2, min_delta: 1.0e-4}
sweep:
  axes:
    train.learning_rate: [0.5, 0.4, 0.001, 0.002]
  prune: {rule: median, milestones: [5], min_trials: 2, monitor: val_loss}
`)
	db := filepath.Join(dir, "runs.db")
	code, out, errOut := run(t, nil, "run", file, "--db", db, "--jobs", "1") // one at a time: pruning compares with trials 1 and 2, already past the milestone
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	eps, runs := sweepEpochs(t, db)
	for trial := 1; trial <= 2; trial++ {
		r := runs[trial]
		if r.Status != record.StatusCompleted || !strings.HasPrefix(r.StopReason, "early stopping: val_loss did not improve for 3 epoch(s)") || len(eps[trial]) >= 200 {
			t.Errorf("trial %d: %s after %d epochs (%q)", trial, r.Status, len(eps[trial]), r.StopReason)
		}
	}
	for trial := 3; trial <= 4; trial++ {
		r := runs[trial]
		if r.Status != record.StatusPruned || len(eps[trial]) != 5 || !strings.Contains(r.StopReason, "worse than the median") {
			t.Errorf("trial %d: %s after %d epochs (%q)", trial, r.Status, len(eps[trial]), r.StopReason)
		}
	}
}
