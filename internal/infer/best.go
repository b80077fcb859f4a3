package infer

import (
	"errors"
	"fmt"
	"os"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/registry"
)

// Best is a run's best epoch and where its weights are.
type Best struct {
	RunID  int64
	Epoch  int
	Metric string
	Value  float64
	Path   string // the checkpoint folder
}

// ErrNoBest is wrapped by the error for a run without a best checkpoint.
var ErrNoBest = errors.New("no best checkpoint")

// FindBest returns run r's best epoch by cfg's best metric among epochs,
// and its checkpoint under the checkpoints root. A run that never finished
// an epoch, or whose checkpoint is gone, gives an error wrapping ErrNoBest
// (with the Best it looked for in the second case).
func FindBest(r *record.Run, cfg *config.Config, epochs []*record.Epoch, root string) (*Best, error) {
	b := record.NewBest(cfg.BestMetric())
	for _, e := range epochs {
		b.Observe(*e)
	}
	if b.Epoch == 0 {
		return nil, fmt.Errorf("run %d has %w: it is %s and finished no epoch with %s", r.ID, ErrNoBest, r.Status, b.Metric)
	}
	path := checkpoint.BestPath(checkpoint.TrialDir(root, r.ID), b.Epoch)
	best := &Best{RunID: r.ID, Epoch: b.Epoch, Metric: b.Metric, Value: b.Value, Path: path}
	if _, err := os.Stat(path); err != nil {
		return best, fmt.Errorf("run %d has %w: its best epoch is %d by %s, but %s is missing (checkpoints deleted, or another --checkpoints folder?)",
			r.ID, ErrNoBest, b.Epoch, b.Metric, path)
	}
	return best, nil
}

// RunPreprocessing returns the preprocessing of run r of cfg (JSON; nil
// for datasets without one): the one stored with the run, or, for a run
// planned before exp stored it, derived again from the config's dataset,
// which parsing validated (the same files and split seed give the same
// preprocessing).
func RunPreprocessing(r *record.Run, cfg *config.Config) ([]byte, error) {
	if r != nil && r.Preprocessing != "" {
		return []byte(r.Preprocessing), nil
	}
	p, ok := dataset(cfg).(registry.Preprocessor)
	if !ok {
		return nil, nil
	}
	return p.Preprocessing()
}
