package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

const plateauRun = `
data: {dataset: linear, n: 200, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train:
  optimizer: {name: sgd, momentum: 0.5}
  learning_rate: 0.3
  batch_size: 50
  epochs: 300
  lr_schedule: {name: plateau, factor: 0.5, patience: 1, min_delta: 0.05, min_lr: 0.001}
`

// TestPlateauResume interrupts a run with a plateau schedule (as Ctrl-C
// does) once an epoch is stored, runs the same command again, and checks
// that every epoch's metrics and learning rate equal those of an
// uninterrupted run: the schedule's state was rebuilt from the stored
// epochs.
func TestPlateauResume(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "plateau.yaml", plateauRun)
	db := filepath.Join(dir, "runs.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() {
		m := &Main{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Getenv: func(string) string { return "" }, Exe: os.Args[0], ChildEnv: childEnv}
		done <- m.Run(ctx, []string{"run", file, "--db", db})
	}()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && countEpochs(db) < 1; {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != ExitInterrupted {
		t.Fatalf("exit %d, want %d", code, ExitInterrupted)
	}
	stopped := len(epochsOf(t, db))
	if code, out, errOut := run(t, nil, "run", file, "--db", db); code != ExitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	clean := filepath.Join(dir, "clean.db")
	if code, out, errOut := run(t, nil, "run", file, "--db", clean); code != ExitOK {
		t.Fatalf("clean run: exit %d\n%s\n%s", code, out, errOut)
	}
	got, want := epochsOf(t, db), epochsOf(t, clean)
	if len(got) != 300 || len(want) != 300 {
		t.Fatalf("%d and %d epochs, want 300", len(got), len(want))
	}
	rates := map[float64]bool{}
	for i := range want {
		g, w := got[i], want[i]
		if *g.Loss != *w.Loss || *g.ValLoss != *w.ValLoss || *g.LR != *w.LR {
			t.Errorf("epoch %d (interrupted after %d): loss %v, val_loss %v, lr %v; uninterrupted %v, %v, %v",
				i+1, stopped, *g.Loss, *g.ValLoss, *g.LR, *w.Loss, *w.ValLoss, *w.LR)
		}
		rates[*w.LR] = true
	}
	if len(rates) < 3 {
		t.Errorf("the schedule took only the rates %v", rates)
	}
}

// epochsOf returns run 1's epochs in db.
func epochsOf(t *testing.T, db string) []*record.Epoch {
	t.Helper()
	eps, err := openStore(t, db).Epochs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return eps
}
