package infer

import (
	"math"

	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/registry"
)

// Scores are a model's metrics on labelled examples. Loss is the mean loss
// as training's evaluation computes it; for classification Accuracy and
// the confusion matrix, for regression MSE, MAE, RMSE and R² over every
// target value (nil where they do not apply).
type Scores struct {
	N                  int
	Loss               float64
	Accuracy           *float64
	Confusion          confusion.Matrix
	MSE, MAE, RMSE, R2 *float64
}

// Score computes the metrics of out against the labels or targets of s.
func (m *Model) Score(out *Output, s *registry.Examples) (*Scores, error) {
	if (m.Classification() && s.Labels == nil) || (!m.Classification() && s.Targets == nil) || s.N == 0 {
		return nil, ErrNoLabels
	}
	sc := &Scores{N: s.N, Loss: out.LossSum / float64(s.N)}
	if m.Classification() {
		sc.Confusion = confusion.New(len(m.Classes))
		sc.Confusion.Add(s.Labels, out.Pred)
		correct := 0
		for i, l := range s.Labels {
			if out.Pred[i] == l {
				correct++
			}
		}
		acc := float64(correct) / float64(s.N)
		sc.Accuracy = &acc
		return sc, nil
	}
	regression(sc, out.Values, s.Targets)
	return sc, nil
}

// regression fills the regression metrics of predictions pred for targets y.
func regression(sc *Scores, pred, y []float32) {
	var se, ae, mean float64
	for _, v := range y {
		mean += float64(v)
	}
	mean /= float64(len(y))
	var ss float64
	for i, v := range y {
		d := float64(pred[i]) - float64(v)
		se += d * d
		ae += math.Abs(d)
		ss += (float64(v) - mean) * (float64(v) - mean)
	}
	n := float64(len(y))
	mse, mae := se/n, ae/n
	rmse := math.Sqrt(mse)
	sc.MSE, sc.MAE, sc.RMSE = &mse, &mae, &rmse
	if ss > 0 {
		r2 := 1 - se/ss
		sc.R2 = &r2
	}
}
