package layers

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("batchnorm", func() registry.Layer {
		return &BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}
	})
	registry.Layers.Register("dropout", func() registry.Layer { return &Dropout{Rate: math.NaN()} })
}

var (
	_ registry.Layer = (*BatchNorm)(nil)
	_ registry.Layer = (*Dropout)(nil)
)

// BatchNorm normalises the last axis, Keras style: in training with the
// batch's mean and (biased) variance, through which the gradient flows, while
// updating moving averages; in evaluation with the moving averages.
type BatchNorm struct {
	Momentum float64 `yaml:"momentum"`
	Epsilon  float64 `yaml:"epsilon"`
	Center   bool    `yaml:"center"`
	Scale    bool    `yaml:"scale"`
}

// Validate checks momentum and epsilon.
func (bn *BatchNorm) Validate(r registry.Reporter) {
	if !(bn.Momentum >= 0 && bn.Momentum < 1) {
		r.Field("momentum").Errorf("must be in [0, 1), got %g", bn.Momentum)
	}
	if !(bn.Epsilon > 0) {
		r.Field("epsilon").Errorf("must be > 0, got %g", bn.Epsilon)
	}
}

// Build adds the layer.
func (bn *BatchNorm) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if x.Rank() < 2 {
		return nil, needRank(x, 2, "2-D or higher")
	}
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	bshape := make([]int, x.Rank())
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[x.Rank()-1] = c
	broadcast := func(v *graph.Node) *graph.Node { return graph.Reshape(v, bshape...) }

	var gamma, beta *graph.Node
	if bn.Scale {
		gamma = variable(ctx, x, "gamma", initializers.One, c)
	}
	if bn.Center {
		beta = variable(ctx, x, "beta", initializers.Zero, c)
	}
	movingMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("moving_mean", shapeOf(x, c)).SetTrainable(false)
	movingVar := ctx.WithInitializer(initializers.One).VariableWithShape("moving_variance", shapeOf(x, c)).SetTrainable(false)

	var mean, variance *graph.Node
	if ctx.IsTraining(g) {
		mean = graph.ReduceMean(x, axes...)
		centered := graph.Sub(x, broadcast(mean))
		variance = graph.ReduceMean(graph.Square(centered), axes...)
		m := graph.Scalar(g, x.DType(), bn.Momentum)
		update := func(v *mlctx.Variable, batch *graph.Node) {
			old := v.ValueGraph(g)
			v.SetValueGraph(graph.Add(graph.Mul(old, m), graph.Mul(graph.StopGradient(batch), graph.OneMinus(m))))
		}
		update(movingMean, mean)
		update(movingVar, variance)
		return bn.normalize(centered, variance, gamma, beta, broadcast), nil
	}
	mean, variance = movingMean.ValueGraph(g), movingVar.ValueGraph(g)
	return bn.normalize(graph.Sub(x, broadcast(mean)), variance, gamma, beta, broadcast), nil
}

// normalize returns centered·γ/√(variance+ε) + β, folding γ into the [c]
// scale so the full-size tensor is touched twice.
func (bn *BatchNorm) normalize(centered, variance, gamma, beta *graph.Node, broadcast func(*graph.Node) *graph.Node) *graph.Node {
	scale := graph.Rsqrt(graph.AddScalar(variance, bn.Epsilon))
	if gamma != nil {
		scale = graph.Mul(scale, gamma)
	}
	y := graph.Mul(centered, broadcast(scale))
	if beta != nil {
		y = graph.Add(y, broadcast(beta))
	}
	return y
}

// Dropout zeroes a fraction rate of its inputs in training and scales the
// rest by 1/(1-rate) (inverted dropout); in evaluation it passes x through.
type Dropout struct {
	Rate float64 `yaml:"rate"`
}

// Validate checks that rate is in [0, 1).
func (d *Dropout) Validate(r registry.Reporter) {
	switch {
	case math.IsNaN(d.Rate):
		r.Field("rate").Errorf("is required")
	case d.Rate < 0 || d.Rate >= 1:
		r.Field("rate").Errorf("must be in [0, 1), got %g", d.Rate)
	}
}

// Build adds the layer.
func (d *Dropout) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	g := x.Graph()
	if !ctx.IsTraining(g) || d.Rate == 0 {
		return x, nil
	}
	keep := graph.GreaterOrEqual(ctx.RandomUniform(g, x.Shape()), graph.Scalar(g, x.DType(), d.Rate))
	scaled := graph.MulScalar(x, 1/(1-d.Rate))
	return graph.Where(keep, scaled, graph.ZerosLike(x)), nil
}
