package train

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/schedule"
)

// rates gives the learning rate of each training step: train.learning_rate,
// or train.lr_schedule's, fed to the training graph as an input. A resumed
// run replays its recorded epochs through Observe, so a schedule with state
// (plateau) continues exactly where it stopped.
type rates struct {
	base  float64
	sched schedule.Schedule // nil: the constant base, built into the graph
}

func newRates(cfg *config.Config, n int) rates {
	r := rates{base: cfg.Train.LearningRate}
	if s := cfg.Train.LRSchedule; s != nil {
		steps := (n + cfg.Train.BatchSize - 1) / cfg.Train.BatchSize
		r.sched = s.Spec.New(cfg.Train.LearningRate, cfg.Train.Epochs, steps)
	}
	return r
}

// fed reports whether the rate is an input of the training graph.
func (r rates) fed() bool { return r.sched != nil }

// rate returns the learning rate of step (0-based) of epoch (1-based).
func (r rates) rate(epoch, step int) float64 {
	if r.sched == nil {
		return r.base
	}
	return r.sched.Rate(epoch, step)
}

// inputs returns the training graph's inputs after the batch: the rate as
// a float32 scalar when it is fed, else none.
func (r rates) inputs(epoch, step int) []any {
	if r.sched == nil {
		return nil
	}
	return []any{tensors.FromScalar(float32(r.rate(epoch, step)))}
}

// Observe passes a finished epoch to the schedule.
func (r rates) Observe(ep record.Epoch) {
	if r.sched != nil {
		r.sched.Observe(ep)
	}
}
