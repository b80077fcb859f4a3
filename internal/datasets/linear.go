package datasets

import (
	"context"
	"math"

	"github.com/exp-runner/exp/internal/rng"
	"github.com/exp-runner/exp/registry"
)

// Linear is the `dataset: linear` configuration: n examples of
// y = w·x + b + ε with x ~ U(-1, 1) and ε ~ N(0, noise²).
type Linear struct {
	W     float64 `yaml:"w"`     // slope (default 2)
	B     float64 `yaml:"b"`     // intercept (default 1)
	N     int     `yaml:"n"`     // examples (default 10000)
	Noise float64 `yaml:"noise"` // standard deviation of ε (default 1)
	Seed  int64   `yaml:"seed"`  // seed of the generator (default 0)
}

func init() {
	registry.Datasets.Register("linear", func() registry.Dataset {
		return &Linear{W: 2, B: 1, N: 10000, Noise: 1}
	})
}

var _ registry.Dataset = (*Linear)(nil)

// Validate checks n and noise.
func (l *Linear) Validate(r registry.Reporter, _ registry.DataEnv) {
	if l.N < 2 {
		r.Field("n").Errorf("must be ≥ 2, got %d", l.N)
	}
	if l.Noise < 0 || math.IsNaN(l.Noise) {
		r.Field("noise").Errorf("must be ≥ 0, got %g", l.Noise)
	}
	for _, f := range []struct {
		key string
		v   float64
	}{{"w", l.W}, {"b", l.B}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			r.Field(f.key).Errorf("must be a finite number")
		}
	}
}

// Info returns the shape: one input, one regression target.
func (l *Linear) Info() registry.DataInfo { return registry.DataInfo{Shape: []int{1}, TargetDim: 1} }

// Load generates the examples. Meta holds the generating w and b (true_w,
// true_b) and the closed-form least-squares fit of the same data (ols_w, ols_b).
func (l *Linear) Load(context.Context, registry.DataEnv) (*registry.Data, error) {
	r := rng.New(uint64(l.Seed), 0x1ea7)
	s := &registry.Examples{N: l.N, Shape: []int{1}, X: make([]float32, l.N), Targets: make([]float32, l.N)}
	for i := range l.N {
		x := float32(2*r.Float64() - 1)
		y := float32(l.W*float64(x) + l.B + l.Noise*r.NormFloat64())
		s.X[i], s.Targets[i] = x, y
	}
	w, b := LeastSquares(s.X, s.Targets)
	return &registry.Data{
		DataInfo: l.Info(), Name: "linear", Train: s,
		Meta: map[string]float64{"true_w": l.W, "true_b": l.B, "ols_w": w, "ols_b": b},
	}, nil
}

// LeastSquares returns the closed-form ordinary least-squares fit y ≈ w·x + b.
func LeastSquares(xs, ys []float32) (w, b float64) {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += float64(xs[i])
		sy += float64(ys[i])
	}
	mx, my := sx/n, sy/n
	var sxy, sxx float64
	for i := range xs {
		dx := float64(xs[i]) - mx
		sxy += dx * (float64(ys[i]) - my)
		sxx += dx * dx
	}
	w = sxy / sxx
	return w, my - w*mx
}
