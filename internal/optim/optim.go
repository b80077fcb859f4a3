package optim

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

// Scope is the context scope holding optimizer state.
const Scope = "/optimizer"

func init() {
	registry.Optimizers.Register("adam", func() registry.Optimizer { return &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7} })
	registry.Optimizers.Register("adamw", func() registry.Optimizer {
		return &AdamW{Adam: Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}, WeightDecay: 0.004}
	})
	registry.Optimizers.Register("sgd", func() registry.Optimizer { return &SGD{} })
	registry.Optimizers.Register("rmsprop", func() registry.Optimizer { return &RMSprop{Rho: 0.9, Epsilon: 1e-7} })
}

var (
	_ registry.Optimizer = (*Adam)(nil)
	_ registry.Optimizer = (*AdamW)(nil)
	_ registry.Optimizer = (*SGD)(nil)
	_ registry.Optimizer = (*RMSprop)(nil)
)

// slot returns the optimizer state variable name for v (zeros, non-trainable).
func slot(ctx *mlctx.Context, v *mlctx.Variable, name string) *mlctx.Variable {
	return ctx.InAbsPath(Scope+v.Scope()).WithInitializer(initializers.Zero).
		VariableWithShape(v.Name()+"_"+name, v.Shape()).SetTrainable(false)
}

// iterations increments the optimizer's step count in the graph and returns
// the new count t (1 on the first step) as a scalar of dtype.
func iterations(ctx *mlctx.Context, g *graph.Graph, dtype dtypes.DType) *graph.Node {
	it := ctx.InAbsPath(Scope).WithInitializer(initializers.Zero).
		VariableWithShape("iterations", shapes.Make(dtypes.Int64)).SetTrainable(false)
	t := graph.OnePlus(it.ValueGraph(g))
	it.SetValueGraph(t)
	return graph.ConvertDType(t, dtype)
}

func check01(r registry.Reporter, key string, v float64, closedRight bool) {
	if v < 0 || v > 1 || (!closedRight && v == 1) || v != v {
		if closedRight {
			r.Field(key).Errorf("must be in [0, 1], got %g", v)
		} else {
			r.Field(key).Errorf("must be in [0, 1), got %g", v)
		}
	}
}

func checkPositive(r registry.Reporter, key string, v float64) {
	if !(v > 0) {
		r.Field(key).Errorf("must be > 0, got %g", v)
	}
}

// Adam is Keras's Adam: ε outside the square root, bias correction folded
// into the step size α = lr·√(1-β₂ᵗ)/(1-β₁ᵗ).
type Adam struct {
	Beta1   float64 `yaml:"beta_1"`
	Beta2   float64 `yaml:"beta_2"`
	Epsilon float64 `yaml:"epsilon"`
	AMSGrad bool    `yaml:"amsgrad"`
}

// Validate checks the betas and epsilon.
func (a *Adam) Validate(r registry.Reporter) {
	check01(r, "beta_1", a.Beta1, false)
	check01(r, "beta_2", a.Beta2, false)
	checkPositive(r, "epsilon", a.Epsilon)
}

// Apply adds one Adam step.
func (a *Adam) Apply(ctx *mlctx.Context, lr *graph.Node, vars []*mlctx.Variable, grads []*graph.Node) {
	a.apply(ctx, lr, 0, vars, grads)
}

func (a *Adam) apply(ctx *mlctx.Context, lr *graph.Node, weightDecay float64, vars []*mlctx.Variable, grads []*graph.Node) {
	if len(vars) == 0 {
		return
	}
	g := grads[0].Graph()
	dt := grads[0].DType()
	t := iterations(ctx, g, dt)
	b1, b2 := graph.Scalar(g, dt, a.Beta1), graph.Scalar(g, dt, a.Beta2)
	one := graph.ScalarOne(g, dt)
	alpha := graph.Div(graph.Mul(graph.Sqrt(graph.Sub(one, graph.Pow(b2, t))), lr), graph.Sub(one, graph.Pow(b1, t)))
	for i, v := range vars {
		grad := grads[i]
		w := v.ValueGraph(g)
		if weightDecay != 0 {
			w = graph.Sub(w, graph.Mul(w, graph.MulScalar(lr, weightDecay)))
		}
		mv, vv := slot(ctx, v, "m"), slot(ctx, v, "v")
		m := graph.Add(mv.ValueGraph(g), graph.MulScalar(graph.Sub(grad, mv.ValueGraph(g)), 1-a.Beta1))
		s := graph.Add(vv.ValueGraph(g), graph.MulScalar(graph.Sub(graph.Square(grad), vv.ValueGraph(g)), 1-a.Beta2))
		mv.SetValueGraph(m)
		vv.SetValueGraph(s)
		if a.AMSGrad {
			vh := slot(ctx, v, "vhat")
			s = graph.Max(vh.ValueGraph(g), s)
			vh.SetValueGraph(s)
		}
		step := graph.Div(graph.Mul(m, alpha), graph.AddScalar(graph.Sqrt(s), a.Epsilon))
		v.SetValueGraph(graph.Sub(w, step))
	}
}

// AdamW is Adam with decoupled weight decay, applied to every variable
// before the Adam step: w -= lr·weight_decay·w.
type AdamW struct {
	Adam        `yaml:",inline"`
	WeightDecay float64 `yaml:"weight_decay"`
}

// Validate checks the Adam parameters and the weight decay.
func (a *AdamW) Validate(r registry.Reporter) {
	a.Adam.Validate(r)
	if a.WeightDecay < 0 || a.WeightDecay != a.WeightDecay {
		r.Field("weight_decay").Errorf("must be ≥ 0, got %g", a.WeightDecay)
	}
}

// Apply adds one AdamW step.
func (a *AdamW) Apply(ctx *mlctx.Context, lr *graph.Node, vars []*mlctx.Variable, grads []*graph.Node) {
	a.apply(ctx, lr, a.WeightDecay, vars, grads)
}

// SGD is stochastic gradient descent with optional (Nesterov) momentum:
// m = momentum·m - lr·g; w += m (or w += momentum·m - lr·g with Nesterov).
type SGD struct {
	Momentum float64 `yaml:"momentum"`
	Nesterov bool    `yaml:"nesterov"`
}

// Validate checks the momentum.
func (s *SGD) Validate(r registry.Reporter) { check01(r, "momentum", s.Momentum, true) }

// Apply adds one SGD step.
func (s *SGD) Apply(ctx *mlctx.Context, lr *graph.Node, vars []*mlctx.Variable, grads []*graph.Node) {
	for i, v := range vars {
		g := grads[i].Graph()
		w := v.ValueGraph(g)
		step := graph.Mul(grads[i], graph.Neg(lr))
		if s.Momentum == 0 {
			v.SetValueGraph(graph.Add(w, step))
			continue
		}
		mv := slot(ctx, v, "momentum")
		m := graph.Add(graph.MulScalar(mv.ValueGraph(g), s.Momentum), step)
		mv.SetValueGraph(m)
		if s.Nesterov {
			v.SetValueGraph(graph.Add(w, graph.Add(graph.MulScalar(m, s.Momentum), step)))
		} else {
			v.SetValueGraph(graph.Add(w, m))
		}
	}
}

// RMSprop divides the step by a moving root mean square of the gradients:
// ms = ρ·ms + (1-ρ)·g²; step = lr·g/√(ms + ε) (centered: ms - mg² with mg
// the moving mean gradient); with momentum, m = momentum·m + step; w -= m.
type RMSprop struct {
	Rho      float64 `yaml:"rho"`
	Momentum float64 `yaml:"momentum"`
	Epsilon  float64 `yaml:"epsilon"`
	Centered bool    `yaml:"centered"`
}

// Validate checks rho, momentum and epsilon.
func (o *RMSprop) Validate(r registry.Reporter) {
	check01(r, "rho", o.Rho, false)
	check01(r, "momentum", o.Momentum, true)
	checkPositive(r, "epsilon", o.Epsilon)
}

// Apply adds one RMSprop step.
func (o *RMSprop) Apply(ctx *mlctx.Context, lr *graph.Node, vars []*mlctx.Variable, grads []*graph.Node) {
	for i, v := range vars {
		grad := grads[i]
		g := grad.Graph()
		w := v.ValueGraph(g)
		msv := slot(ctx, v, "velocity")
		ms := graph.Add(graph.MulScalar(msv.ValueGraph(g), o.Rho), graph.MulScalar(graph.Square(grad), 1-o.Rho))
		msv.SetValueGraph(ms)
		denom := ms
		if o.Centered {
			mgv := slot(ctx, v, "average_gradient")
			mg := graph.Add(graph.MulScalar(mgv.ValueGraph(g), o.Rho), graph.MulScalar(grad, 1-o.Rho))
			mgv.SetValueGraph(mg)
			denom = graph.Sub(ms, graph.Square(mg))
		}
		step := graph.Div(graph.Mul(grad, lr), graph.Sqrt(graph.AddScalar(denom, o.Epsilon)))
		if o.Momentum > 0 {
			mv := slot(ctx, v, "momentum")
			m := graph.Add(graph.MulScalar(mv.ValueGraph(g), o.Momentum), step)
			mv.SetValueGraph(m)
			step = m
		}
		v.SetValueGraph(graph.Sub(w, step))
	}
}
