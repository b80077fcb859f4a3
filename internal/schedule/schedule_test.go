package schedule

import (
	"math"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestRates checks the rate of each continuous and epochwise schedule at
// given (epoch, step), runs of 4 epochs of 10 steps at base 0.1.
func TestRates(t *testing.T) {
	const base, epochs, steps = 0.1, 4, 10
	tests := []struct {
		name        string
		spec        Spec
		epoch, step int
		want        float64
	}{
		// Warmup over the first epoch: 0 at the first step, 0.05 halfway.
		{"cosine warmup first", &Cosine{WarmupEpochs: 1, MinLR: 0.01}, 1, 0, 0},
		{"cosine warmup mid", &Cosine{WarmupEpochs: 1, MinLR: 0.01}, 1, 5, 0.05},
		// Decay over steps 10..39: base at 10, halfway (24.5) the mean, min at 39.
		{"cosine decay start", &Cosine{WarmupEpochs: 1, MinLR: 0.01}, 2, 0, 0.1},
		{"cosine decay end", &Cosine{WarmupEpochs: 1, MinLR: 0.01}, 4, 9, 0.01},
		{"cosine no warmup", &Cosine{}, 1, 0, 0.1},
		{"cosine step 13", &Cosine{}, 2, 3, 0.05 * (1 + math.Cos(math.Pi*13/39))},
		{"cosine last", &Cosine{}, 4, 9, 0},
		{"step epoch 2", &Step{Every: 2, Factor: 0.5}, 2, 9, 0.1},
		{"step epoch 3", &Step{Every: 2, Factor: 0.5}, 3, 0, 0.05},
		{"step epoch 4", &Step{Every: 2, Factor: 0.5}, 4, 9, 0.05},
		{"exponential start", &Exponential{Factor: 0.5}, 1, 0, 0.1},
		{"exponential epoch 3", &Exponential{Factor: 0.5}, 3, 0, 0.025},
		{"exponential mid", &Exponential{Factor: 0.25}, 1, 5, 0.05},
	}
	for _, tt := range tests {
		s := tt.spec.New(base, epochs, steps)
		if got := s.Rate(tt.epoch, tt.step); !near(got, tt.want) {
			t.Errorf("%s: Rate(%d, %d) = %.17g, want %.17g", tt.name, tt.epoch, tt.step, got, tt.want)
		}
	}
}

// TestCosineMidpoint checks the decay is symmetric: at the middle of an odd
// number of decay steps the rate is the mean of base and min_lr.
func TestCosineMidpoint(t *testing.T) {
	s := (&Cosine{MinLR: 0.02}).New(0.1, 1, 11) // steps 0..10, middle 5
	if got := s.Rate(1, 5); !near(got, 0.06) {
		t.Errorf("Rate at the middle = %v, want 0.06", got)
	}
}

func epoch(n int, valLoss float64) record.Epoch { return record.Epoch{Epoch: n, ValLoss: &valLoss} }

// TestPlateau follows ReduceLROnPlateau on a val_loss sequence.
func TestPlateau(t *testing.T) {
	p := &Plateau{Monitor: record.ValLoss, Factor: 0.5, Patience: 2, MinLR: 0.02, MinDelta: 1e-4}
	s := p.New(0.1, 10, 5)
	//              improves, +,  flat (2nd: cut), improves, worse, worse (cut), worse, worse (cut to min), worse, worse (at min)
	losses := []float64{1.0, 0.9, 0.89995, 0.95, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9}
	want := []float64{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02}
	for i, l := range losses {
		s.Observe(epoch(i+1, l))
		if got := s.Rate(i+2, 0); !near(got, want[i]) {
			t.Errorf("after epoch %d (val_loss %v): rate %v, want %v", i+1, l, got, want[i])
		}
	}
	// A metric the epoch lacks changes nothing.
	s.Observe(record.Epoch{Epoch: 12})
	if got := s.Rate(13, 0); got != 0.02 {
		t.Errorf("after an epoch without val_loss: rate %v, want 0.02", got)
	}
}

// TestPlateauHigher: for an accuracy, higher is better.
func TestPlateauHigher(t *testing.T) {
	p := &Plateau{Monitor: record.ValAccuracy, Factor: 0.1, Patience: 1}
	s := p.New(1, 3, 1)
	for i, acc := range []float64{0.5, 0.6, 0.6} {
		s.Observe(record.Epoch{Epoch: i + 1, ValAccuracy: &acc})
	}
	if got := s.Rate(4, 0); !near(got, 0.1) {
		t.Errorf("rate %v, want 0.1 (one cut after the flat epoch 3)", got)
	}
}

// TestLookup: unknown names suggest the nearest.
func TestLookup(t *testing.T) {
	_, err := Schedules.Lookup("cosin")
	if err == nil || !strings.Contains(err.Error(), `did you mean "cosine"`) {
		t.Errorf("Lookup(cosin) = %v, want a did-you-mean for cosine", err)
	}
	if got := strings.Join(Schedules.Names(), ","); got != "cosine,exponential,plateau,step" {
		t.Errorf("Names() = %s", got)
	}
}
