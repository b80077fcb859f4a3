package predict_test

import (
	"context"
	"math"
	"testing"

	"github.com/exp-runner/exp/predict"
)

// TestNaN: a model that loaded cleanly, given inputs far outside its
// training data, outputs NaN; that example's prediction says so, and the
// others are predictions as usual.
func TestNaN(t *testing.T) {
	m, err := predict.Load("testdata/species")
	if err != nil {
		t.Fatal(err)
	}
	huge := float32(3e38)
	preds, err := m.Predict(context.Background(), predict.Tensors([]float32{2, 0, 1, 2, huge, 0, 1, -huge}))
	if err != nil {
		t.Fatal(err)
	}
	if p := preds[0]; p.NaN || p.Label != "a" || p.Index != 0 {
		t.Errorf("a usual example: %+v", p)
	}
	p := preds[1]
	if !p.NaN || p.Label != "" || p.Index != -1 || !math.IsNaN(p.Probability) || !math.IsNaN(p.Probabilities[0]) {
		t.Errorf("an example whose output is NaN: %+v; want NaN set, no label, index -1, NaN probabilities", p)
	}
}
