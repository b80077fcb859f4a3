package schedule

import (
	"math"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/registry"
)

// Plateau is Keras's ReduceLROnPlateau: once monitor has not improved by
// more than min_delta for patience epochs, the rate is multiplied by factor
// (not below min_lr) for the following epochs, and the count starts over.
type Plateau struct {
	Monitor  string  `yaml:"monitor"`
	Factor   float64 `yaml:"factor"`
	Patience int     `yaml:"patience"`
	MinLR    float64 `yaml:"min_lr"`
	MinDelta float64 `yaml:"min_delta"`
}

// MonitorKey returns the monitored metric, which config resolution fills in.
func (p *Plateau) MonitorKey() *string { return &p.Monitor }

// Validate checks 0 < factor < 1, patience ≥ 0, min_lr ≥ 0, min_delta ≥ 0
// (the monitor is checked by package config, which knows the data).
func (p *Plateau) Validate(r registry.Reporter) {
	if !(p.Factor > 0 && p.Factor < 1) {
		r.Field("factor").Errorf("must be in (0, 1), got %g", p.Factor)
	}
	if p.Patience < 0 {
		r.Field("patience").Errorf("must be ≥ 0, got %d", p.Patience)
	}
	checkMinLR(r, p.MinLR)
	if !(p.MinDelta >= 0) {
		r.Field("min_delta").Errorf("must be ≥ 0, got %g", p.MinDelta)
	}
}

// New returns the schedule's state at the start of a run.
func (p *Plateau) New(base float64, _, _ int) Schedule {
	s := &plateau{spec: p, lr: base, best: math.Inf(1)}
	if record.HigherIsBetter(p.Monitor) {
		s.best = math.Inf(-1)
	}
	return s
}

// plateau is the state of a Plateau schedule: the rate in force, the best
// value seen and the epochs since it.
type plateau struct {
	spec *Plateau
	lr   float64
	best float64
	wait int
}

func (s *plateau) Rate(int, int) float64 { return s.lr }

// Observe updates the state after an epoch, as ReduceLROnPlateau's
// on_epoch_end; an epoch without the metric (or with NaN) changes nothing.
func (s *plateau) Observe(ep record.Epoch) {
	v := ep.Value(s.spec.Monitor)
	if v == nil || math.IsNaN(*v) {
		return
	}
	improved := *v < s.best-s.spec.MinDelta
	if record.HigherIsBetter(s.spec.Monitor) {
		improved = *v > s.best+s.spec.MinDelta
	}
	if improved {
		s.best, s.wait = *v, 0
		return
	}
	s.wait++
	if s.wait >= s.spec.Patience && s.lr > s.spec.MinLR {
		s.lr = math.Max(s.lr*s.spec.Factor, s.spec.MinLR)
		s.wait = 0
	}
}
