package runner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/results"
	"github.com/exp-runner/exp/runner"
)

// sweepYAML is a sweep of three linear regressions, one of which diverges
// (its learning rate makes the loss overflow).
const sweepYAML = `name: lines
data: {dataset: linear, n: 500, seed: 1}
model: {layers: [{type: dense, units: 1}]}
train: {optimizer: sgd, loss: mse, batch_size: 50, epochs: 4, learning_rate: 0.1}
sweep:
  method: grid
  axes:
    train.learning_rate: [0.05, 0.1, 1.0e+30]
`

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSweepInProcess runs a sweep's trials in this process: a trial that
// diverges fails alone, every trial's epochs are recorded, and running the
// file again trains nothing (a diverged trial is retried only when asked).
func TestSweepInProcess(t *testing.T) {
	ctx := context.Background()
	file := write(t, "lines.yaml", sweepYAML)
	db := filepath.Join(t.TempDir(), "runs.db")
	var log strings.Builder
	out, err := runner.Run(ctx, file, runner.Options{DB: db, Stdout: &log})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Counts()
	if len(out.Trials) != 3 || c[results.StatusCompleted] != 2 || c[results.StatusDiverged] != 1 || out.Failed() != 1 {
		t.Fatalf("counts %v of %d trials, want 2 completed and 1 diverged; output:\n%s", c, len(out.Trials), log.String())
	}
	rs, err := results.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for _, tr := range out.Trials[:2] {
		eps, err := rs.Epochs(ctx, tr.ID)
		if err != nil || len(eps) != 4 {
			t.Errorf("run %d: %d epochs, %v; want 4", tr.ID, len(eps), err)
		}
	}
	for _, want := range []string{"trial 1/3 (run 1) starting: train.learning_rate=0.05", "sweep 1 after", "2 completed, 1 diverged"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
	log.Reset()
	again, err := runner.Run(ctx, file, runner.Options{DB: db, Stdout: &log})
	if err != nil || again.Sweep.ID != out.Sweep.ID || len(again.Trials) != 3 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	if strings.Contains(log.String(), "starting") || strings.Contains(log.String(), "resuming") {
		t.Errorf("second run trained again:\n%s", log.String())
	}
}

// TestResumeInProcess interrupts an in-process trial after a few epochs
// and runs the file again: the resumed run's epochs equal an uninterrupted
// run's, bit for bit.
func TestResumeInProcess(t *testing.T) {
	const cfg = `name: line
data: {dataset: linear, n: 2000, seed: 3}
model: {layers: [{type: dense, units: 4, activation: relu}, {type: dense, units: 1}]}
train: {optimizer: adam, loss: mse, batch_size: 20, epochs: 30, learning_rate: 0.01, seed: 5}
`
	file := write(t, "line.yaml", cfg)
	whole := filepath.Join(t.TempDir(), "whole.db")
	if _, err := runner.Run(context.Background(), file, runner.Options{DB: whole}); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.db")
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		waitForEpochs(t, cut, 3)
		cancel()
	}()
	out, err := runner.Run(ctx, file, runner.Options{DB: cut})
	<-stopped
	if !errors.Is(err, context.Canceled) || out == nil || out.Trials[0].Status != results.StatusInterrupted {
		t.Fatalf("interrupted run: %+v, %v; want an interrupted trial and context.Canceled", out, err)
	}
	out, err = runner.Run(context.Background(), file, runner.Options{DB: cut})
	if err != nil || out.Trials[0].Status != results.StatusCompleted || out.Trials[0].Attempts != 2 {
		t.Fatalf("resumed run: %+v, %v", out.Trials[0], err)
	}
	want, got := losses(t, whole), losses(t, cut)
	if len(got) != 30 || len(want) != 30 {
		t.Fatalf("epochs: %d resumed, %d whole; want 30", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("epoch %d: loss %v resumed, %v uninterrupted", i+1, got[i], want[i])
		}
	}
}

// waitForEpochs waits until the database at db holds n epochs of run 1.
func waitForEpochs(t *testing.T, db string, n int) {
	for range 600 {
		time.Sleep(10 * time.Millisecond)
		rs, err := results.Open(context.Background(), db)
		if err != nil {
			continue // not created yet
		}
		eps, err := rs.Epochs(context.Background(), 1)
		rs.Close()
		if err == nil && len(eps) >= n {
			return
		}
	}
	t.Errorf("run 1 of %s never reached %d epochs", db, n)
}

// losses returns the training loss of each epoch of run 1 in db.
func losses(t *testing.T, db string) []float64 {
	t.Helper()
	rs, err := results.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	eps, err := rs.Epochs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(eps))
	for i, e := range eps {
		out[i] = *e.Loss
	}
	return out
}

// TestInputErrors: problems with the file or the options are
// *runner.InputError, with exp run's messages, and nothing is recorded.
func TestInputErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	bad := write(t, "bad.yaml", "model: {layers: [{type: dense, units: -1}]}\n")
	for _, tt := range []struct {
		file string
		o    runner.Options
		want string
	}{
		{"missing.yaml", runner.Options{DB: db}, "exp: config file missing.yaml does not exist"},
		{bad, runner.Options{DB: db}, "model.layers[0].units: must be > 0, got -1"},
		{bad, runner.Options{DB: db, Jobs: -1}, "--jobs must be ≥ 1"},
		{bad, runner.Options{DB: db, Set: []string{"nokey"}}, `--set #1: expected key.path=value, got "nokey"`},
	} {
		_, err := runner.Run(context.Background(), tt.file, tt.o)
		var ie *runner.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %+v: error %v, want an InputError with %q", tt.file, tt.o, err, tt.want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a database was created: %v", err)
	}
}

// TestResumeCorruptCheckpoint interrupts a run, damages its resume
// checkpoint (a negative dimension; a dimension of a billion, with the
// lengths to match), and runs the file again: the trial fails with an
// error naming the checkpoint's file and the field, instead of panicking
// or allocating what the description declares.
func TestResumeCorruptCheckpoint(t *testing.T) {
	const cfg = `name: line
data: {dataset: linear, n: 2000, seed: 3}
model: {layers: [{type: dense, units: 4, activation: relu}, {type: dense, units: 1}]}
train: {optimizer: adam, loss: mse, batch_size: 20, epochs: 30, learning_rate: 0.01, seed: 5}
`
	for _, tt := range []struct {
		name  string
		edit  func(string) string
		wants []string
	}{
		{"negative dimension", func(s string) string { return strings.Replace(s, "\n\t\t\t\t4\n", "\n\t\t\t\t-4\n", 1) },
			[]string{"restoring the checkpoint of epoch", `"var:/model/dense/kernel": Dimensions [1 -4]: dimension 1 is -4`}},
		{"billion dimension", func(s string) string {
			s = strings.Replace(s, "\n\t\t\t\t4\n", "\n\t\t\t\t1000000000\n", 1)
			return strings.Replace(s, `"Length": 16`, `"Length": 4000000000`, 1)
		}, []string{"restoring the checkpoint of epoch", "the variables take 4.0 GB, more than the", "KB gzip data file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := write(t, "line.yaml", cfg)
			db := filepath.Join(t.TempDir(), "cut.db")
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() {
				defer close(stopped)
				waitForEpochs(t, db, 2)
				cancel()
			}()
			runner.Run(ctx, file, runner.Options{DB: db})
			<-stopped
			descs, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "cut-checkpoints", "run-1", "epoch-*", "checkpoint-*.json"))
			if len(descs) != 1 {
				t.Fatalf("resume checkpoints %v, want one", descs)
			}
			b, err := os.ReadFile(descs[0])
			if err != nil {
				t.Fatal(err)
			}
			if edited := tt.edit(string(b)); edited == string(b) {
				t.Fatalf("the edit changed nothing in %s", b)
			} else if err := os.WriteFile(descs[0], []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runner.Run(context.Background(), file, runner.Options{DB: db})
			if err != nil || out.Trials[0].Status != results.StatusFailed {
				t.Fatalf("resumed from a corrupt checkpoint: %+v, %v; want a failed trial", out, err)
			}
			msg := out.Trials[0].Error
			for _, w := range append(tt.wants, descs[0]) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}
