package record

import "math"

// Best follows the best epoch of a run by one metric: the earliest epoch
// with the best value, replaced only on strict improvement (the epoch
// exp table reports).
type Best struct {
	Metric string
	Epoch  int // 0: none yet
	Value  float64
}

// NewBest returns a Best of metric with no epoch yet.
func NewBest(metric string) *Best { return &Best{Metric: metric, Value: math.NaN()} }

// Improves reports whether ep is strictly better than the best so far.
func (b *Best) Improves(ep Epoch) bool {
	v := ep.Value(b.Metric)
	if v == nil || math.IsNaN(*v) {
		return false
	}
	return b.Epoch == 0 || Better(b.Metric, *v, b.Value)
}

// Observe takes ep into account and reports whether it is the new best.
func (b *Best) Observe(ep Epoch) bool {
	if !b.Improves(ep) {
		return false
	}
	b.Epoch, b.Value = ep.Epoch, *ep.Value(b.Metric)
	return true
}

// BestEpoch returns the best of epochs by metric (0 if none has it).
func BestEpoch(epochs []Epoch, metric string) int {
	b := NewBest(metric)
	for _, ep := range epochs {
		b.Observe(ep)
	}
	return b.Epoch
}
