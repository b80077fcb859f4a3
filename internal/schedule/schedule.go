package schedule

import (
	"math"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/registry"
)

// Spec is a configured schedule: a struct decoded from the keys of
// train.lr_schedule other than name.
type Spec interface {
	// Validate checks the schedule's parameters.
	Validate(r registry.Reporter)
	// New returns the schedule of a run: base is train.learning_rate,
	// epochs train.epochs, steps the training steps of each epoch.
	New(base float64, epochs, steps int) Schedule
}

// Schedule gives the learning rate of each training step.
type Schedule interface {
	// Rate returns the learning rate of step (0-based) of epoch (1-based).
	Rate(epoch, step int) float64
	// Observe takes each finished epoch's record, in order (a resumed run
	// replays the epochs it finished before).
	Observe(ep record.Epoch)
}

// Monitored is implemented by specs that watch a metric (plateau): config
// resolution fills in the default and validation checks it.
type Monitored interface {
	// MonitorKey returns the monitored metric's name, to be set where empty.
	MonitorKey() *string
}

// Factory returns a new spec holding its defaults.
type Factory func() Spec

// Schedules is the registry of learning-rate schedules.
var Schedules = registry.New[Factory]("lr_schedule")

func init() {
	Schedules.Register("cosine", func() Spec { return &Cosine{} })
	Schedules.Register("step", func() Spec { return &Step{Every: 1, Factor: 0.1} })
	Schedules.Register("exponential", func() Spec { return &Exponential{Factor: 0.9} })
	Schedules.Register("plateau", func() Spec { return &Plateau{Factor: 0.1, Patience: 10, MinDelta: 1e-4} })
}

// epochwise is a schedule whose rate depends on the epoch only.
type epochwise func(epoch int) float64

func (f epochwise) Rate(epoch, _ int) float64 { return f(epoch) }
func (epochwise) Observe(record.Epoch)        {}

// stepwise is a schedule whose rate depends on the global step only.
type stepwise struct {
	steps int
	f     func(i int) float64
}

func (s stepwise) Rate(epoch, step int) float64 { return s.f((epoch-1)*s.steps + step) }
func (stepwise) Observe(record.Epoch)           {}

// Cosine warms up linearly from 0 to the base rate over warmup_epochs, then
// decays along a half cosine to min_lr, which it reaches at the last step
// of train.epochs (Keras's CosineDecay with warmup, alpha = min_lr/base).
type Cosine struct {
	WarmupEpochs int     `yaml:"warmup_epochs"`
	MinLR        float64 `yaml:"min_lr"`
}

// Validate checks warmup_epochs ≥ 0 and min_lr ≥ 0.
func (c *Cosine) Validate(r registry.Reporter) {
	if c.WarmupEpochs < 0 {
		r.Field("warmup_epochs").Errorf("must be ≥ 0, got %d", c.WarmupEpochs)
	}
	checkMinLR(r, c.MinLR)
}

// New returns the per-step cosine schedule.
func (c *Cosine) New(base float64, epochs, steps int) Schedule {
	warm, total := c.WarmupEpochs*steps, epochs*steps
	return stepwise{steps: steps, f: func(i int) float64 {
		if i < warm {
			return base * float64(i) / float64(warm)
		}
		d := 1.0
		if span := total - 1 - warm; span > 0 {
			d = math.Min(float64(i-warm)/float64(span), 1)
		}
		return c.MinLR + (base-c.MinLR)*0.5*(1+math.Cos(math.Pi*d))
	}}
}

// Step multiplies the rate by factor every `every` epochs.
type Step struct {
	Every  int     `yaml:"every"`
	Factor float64 `yaml:"factor"`
}

// Validate checks every ≥ 1 and factor > 0.
func (s *Step) Validate(r registry.Reporter) {
	if s.Every < 1 {
		r.Field("every").Errorf("must be ≥ 1, got %d", s.Every)
	}
	checkFactor(r, s.Factor)
}

// New returns base·factor^⌊(epoch-1)/every⌋.
func (s *Step) New(base float64, _, _ int) Schedule {
	return epochwise(func(epoch int) float64 {
		return base * math.Pow(s.Factor, float64((epoch-1)/s.Every))
	})
}

// Exponential multiplies the rate by factor per epoch, continuously: step i
// (counted over the run, from 0) has base·factor^(i/steps per epoch).
type Exponential struct {
	Factor float64 `yaml:"factor"`
}

// Validate checks factor > 0.
func (e *Exponential) Validate(r registry.Reporter) { checkFactor(r, e.Factor) }

// New returns the per-step exponential decay.
func (e *Exponential) New(base float64, _, steps int) Schedule {
	return stepwise{steps: steps, f: func(i int) float64 {
		return base * math.Pow(e.Factor, float64(i)/float64(steps))
	}}
}

func checkFactor(r registry.Reporter, f float64) {
	if !(f > 0) || math.IsInf(f, 0) {
		r.Field("factor").Errorf("must be > 0, got %g", f)
	}
}

func checkMinLR(r registry.Reporter, v float64) {
	if !(v >= 0) || math.IsInf(v, 0) {
		r.Field("min_lr").Errorf("must be ≥ 0, got %g", v)
	}
}
