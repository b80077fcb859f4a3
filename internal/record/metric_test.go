package record

import (
	"math"
	"testing"
)

func TestBetter(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		a, b float64
		want bool
	}{
		{ValAccuracy, 0.9, 0.8, true},
		{ValAccuracy, 0.8, 0.9, false},
		{ValLoss, 0.2, 0.3, true},
		{ValLoss, 0.3, 0.2, false},
		{Loss, 0.2, 0.2, false},
		{Loss, nan, 0.2, false},
		{Loss, 0.2, nan, true},
		{"learning_rate", 0.1, 0.2, false}, // unknown: never ranked
		{"learning_rate", 0.2, 0.1, false},
	} {
		if got := Better(tt.name, tt.a, tt.b); got != tt.want {
			t.Errorf("Better(%s, %v, %v) = %v, want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDefaultMetric(t *testing.T) {
	has := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, x := range names {
				if x == n {
					return true
				}
			}
			return false
		}
	}
	for _, tt := range []struct {
		has  []string
		want string
	}{
		{[]string{Loss, Accuracy, ValLoss, ValAccuracy}, ValAccuracy},
		{[]string{Loss, ValLoss}, ValLoss},
		{[]string{Loss, Accuracy}, Loss},
		{nil, Loss},
	} {
		if got := DefaultMetric(has(tt.has...)); got != tt.want {
			t.Errorf("DefaultMetric(%v) = %s, want %s", tt.has, got, tt.want)
		}
	}
}

// TestEpochValue: every metric is read from its own field.
func TestEpochValue(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	e := Epoch{Loss: v(1), Accuracy: v(2), ValLoss: v(3), ValAccuracy: v(4), ValF1Macro: v(5)}
	for i, name := range MetricNames() {
		if got := e.Value(name); got == nil || *got != float64(i+1) {
			t.Errorf("Value(%s) = %v, want %d", name, got, i+1)
		}
	}
	if e.Has("learning_rate") {
		t.Error("an unknown metric has a value")
	}
}

// TestBestEpoch: the earliest epoch with the best value, by the metric's
// direction; epochs without the metric are skipped.
func TestBestEpoch(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	eps := []Epoch{{Epoch: 1, ValLoss: v(0.5)}, {Epoch: 2, ValLoss: v(0.3)}, {Epoch: 3, ValLoss: v(0.3)}, {Epoch: 4}, {Epoch: 5, ValLoss: v(0.4)}}
	if got := BestEpoch(eps, ValLoss); got != 2 {
		t.Errorf("best by val_loss: epoch %d, want 2", got)
	}
	if got := BestEpoch(eps, ValAccuracy); got != 0 {
		t.Errorf("best by a metric no epoch has: epoch %d, want 0", got)
	}
}
