package sweep

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/exp-runner/exp/internal/cpu" // registers "cpu", the default backend
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/search"
)

const tpeFile = `
name: s
data: {dataset: linear, n: 100, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train: {optimizer: sgd, epochs: 3}
sweep:
  method: tpe
  samples: 10
  axes:
    train.learning_rate: {loguniform: [1.0e-3, 1.0]}
    train.batch_size: [10, 20]
`

// TestHistory: recorded trials become the sampler's history: points back
// from their params, each trial's best epoch (val_loss, minimised), a
// pruned trial's value at its last epoch, failed and unfinished trials.
func TestHistory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(file, []byte(tpeFile), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(file, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Search()
	if s == nil || s.Monitor != "val_loss" || s.Config.Direction != search.Minimize || s.Config.NStartup != 10 {
		t.Fatalf("search %+v", s)
	}
	tr, err := s.Trial([]float64{0.0123456789, 1})
	if err != nil {
		t.Fatal(err)
	}
	run, err := trialRun(tr)
	if err != nil {
		t.Fatal(err)
	}
	if run.LearningRate != 0.0123457 || run.BatchSize != 20 {
		t.Errorf("point (0.0123456789, choice 1) is lr %g batch %d; want 0.0123457 (6 digits), 20", run.LearningRate, run.BatchSize)
	}
	ep := func(id int64, n int, v float64) *record.Epoch {
		return &record.Epoch{RunID: id, Epoch: n, ValLoss: &v}
	}
	params := map[string]any{"train.learning_rate": 0.5, "train.batch_size": 10.0} // as JSON reads them back
	trials := []*record.Run{
		{ID: 1, Trial: 1, Status: record.StatusCompleted, Params: params},
		{ID: 2, Trial: 2, Status: record.StatusPruned, Params: params},
		{ID: 3, Trial: 3, Status: record.StatusDiverged, Params: params},
		{ID: 4, Trial: 4, Status: record.StatusInterrupted, Params: params},
		{ID: 5, Trial: 5, Status: record.StatusCompleted, Params: params}, // no epochs
	}
	epochs := map[int64][]*record.Epoch{
		1: {ep(1, 1, 0.9), ep(1, 2, 0.4), ep(1, 3, 0.6)},
		2: {ep(2, 1, 0.8), ep(2, 2, 0.7)},
	}
	h, err := History(s, trials, epochs)
	if err != nil {
		t.Fatal(err)
	}
	want := []search.Trial{
		{State: search.Complete, Value: 0.4},
		{State: search.Pruned, Value: 0.7, Epoch: 2},
		{State: search.Failed},
		{State: search.Running},
		{State: search.Failed},
	}
	for i, w := range want {
		g := h[i]
		if g.State != w.State || g.Epoch != w.Epoch || (w.Value != 0 && g.Value != w.Value) || g.Params[0] != 0.5 || g.Params[1] != 0 {
			t.Errorf("trial %d: %+v, want %+v at (0.5, choice 0)", i+1, g, w)
		}
	}
	if !math.IsNaN(h[2].Value) && h[2].Value != 0 {
		t.Errorf("a diverged trial has value %g", h[2].Value)
	}
	if _, err := History(s, []*record.Run{{Trial: 1, Params: map[string]any{"train.learning_rate": 0.5, "train.batch_size": 30.0}}}, nil); err == nil {
		t.Error("a batch size that is not one of the axis's values was accepted")
	}
}
