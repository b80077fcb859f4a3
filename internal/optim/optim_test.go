package optim

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	_ "github.com/exp-runner/exp/internal/cpu"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// eachBackend runs a test on GoMLX's pure-Go backend and on exp's own.
func eachBackend(t *testing.T, fn func(t *testing.T, be backends.Backend)) {
	for _, name := range []string{"go", "cpu"} {
		t.Run(name, func(t *testing.T) {
			be, err := backends.NewWithConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, be)
		})
	}
}

var (
	w0 = []float64{1, -2, 0.5}
	// grads for three steps: the loss is Σ w·g_t, so its gradient is g_t.
	gs = [][]float64{{0.1, -0.3, 0.2}, {0.4, 0.1, -0.2}, {-0.5, 0.2, 0.05}}
)

const lr = 0.1

// steps runs three steps of opt on w0 with gradients gs and returns w after each.
func steps(t *testing.T, opt registry.Optimizer) [][]float64 {
	t.Helper()
	be, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New()
	e, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, g *graph.Node) *graph.Node {
		v := ctx.In("model").VariableWithValue("w", w0)
		wv := v.ValueGraph(g.Graph())
		loss := graph.ReduceAllSum(graph.Mul(wv, g))
		grad := graph.Gradient(loss, wv)
		opt.Apply(ctx, graph.Scalar(g.Graph(), g.DType(), lr), []*mlctx.Variable{v}, grad)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, g := range gs {
		if _, err := e.Exec(tensors.FromFlatDataAndDimensions(g, 3)); err != nil {
			t.Fatal(err)
		}
		v := ctx.GetVariableByScopeAndName("/model", "w")
		out = append(out, tensors.MustCopyFlatData[float64](v.MustValue()))
	}
	return out
}

func check(t *testing.T, got, want [][]float64) {
	t.Helper()
	for s := range want {
		for i := range want[s] {
			if math.Abs(got[s][i]-want[s][i]) > 1e-12 {
				t.Fatalf("step %d: w[%d] = %.15g, want %.15g", s+1, i, got[s][i], want[s][i])
			}
		}
	}
}

func TestSGD(t *testing.T) {
	// Plain: w -= lr·g.
	want := [][]float64{{0.99, -1.97, 0.48}, {0.95, -1.98, 0.5}, {1.0, -2.0, 0.495}}
	check(t, steps(t, &SGD{}), want)

	// Momentum 0.9: m = 0.9m - lr·g; w += m.
	// m1 = -0.1g1 = (-0.01, 0.03, -0.02); w1 = (0.99, -1.97, 0.48)
	// m2 = 0.9m1 - 0.1g2 = (-0.049, 0.017, 0.002); w2 = (0.941, -1.953, 0.482)
	// m3 = 0.9m2 - 0.1g3 = (0.0059, -0.0047, -0.0032); w3 = (0.9469, -1.9577, 0.4788)
	want = [][]float64{{0.99, -1.97, 0.48}, {0.941, -1.953, 0.482}, {0.9469, -1.9577, 0.4788}}
	check(t, steps(t, &SGD{Momentum: 0.9}), want)

	// Nesterov: w += 0.9m - lr·g. Step 1: w1 = w0 + 0.9·m1 - 0.1·g1 = (0.981, -1.943, 0.462).
	got := steps(t, &SGD{Momentum: 0.9, Nesterov: true})
	check(t, got[:1], [][]float64{{0.981, -1.943, 0.462}})
}

func TestRMSprop(t *testing.T) {
	// rho 0.9, eps 1e-7: ms1 = 0.1·g1²; w1 = w0 - lr·g1/√(ms1 + eps).
	o := &RMSprop{Rho: 0.9, Epsilon: 1e-7}
	var want [][]float64
	w, ms := append([]float64(nil), w0...), make([]float64, 3)
	for _, g := range gs {
		for i := range w {
			ms[i] = 0.9*ms[i] + 0.1*g[i]*g[i]
			w[i] -= lr * g[i] / math.Sqrt(ms[i]+1e-7)
		}
		want = append(want, append([]float64(nil), w...))
	}
	// Hand value of step 1, element 0: 1 - 0.1·0.1/√(0.001 + 1e-7).
	if math.Abs(want[0][0]-(1-0.01/math.Sqrt(0.0010001))) > 1e-15 {
		t.Fatal("reference arithmetic")
	}
	check(t, steps(t, o), want)
}

func adamRef(weightDecay float64, amsgrad bool) [][]float64 {
	var want [][]float64
	w, m, v, vhat := append([]float64(nil), w0...), make([]float64, 3), make([]float64, 3), make([]float64, 3)
	for step, g := range gs {
		t := float64(step + 1)
		alpha := lr * math.Sqrt(1-math.Pow(0.999, t)) / (1 - math.Pow(0.9, t))
		for i := range w {
			w[i] -= lr * weightDecay * w[i]
			m[i] = 0.9*m[i] + 0.1*g[i]
			v[i] = 0.999*v[i] + 0.001*g[i]*g[i]
			vv := v[i]
			if amsgrad {
				vhat[i] = math.Max(vhat[i], v[i])
				vv = vhat[i]
			}
			w[i] -= alpha * m[i] / (math.Sqrt(vv) + 1e-7)
		}
		want = append(want, append([]float64(nil), w...))
	}
	return want
}

func TestAdam(t *testing.T) {
	want := adamRef(0, false)
	// Step 1 moves each weight by lr·g/(|g| + ε'), almost exactly lr against the gradient's sign.
	for i, g := range gs[0] {
		if math.Abs(w0[i]-want[0][i]-lr*math.Copysign(1, g)) > 1e-5 {
			t.Fatalf("reference step 1 moved w[%d] by %g", i, w0[i]-want[0][i])
		}
	}
	check(t, steps(t, &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}), want)
	check(t, steps(t, &Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, AMSGrad: true}), adamRef(0, true))
}

func TestAdamW(t *testing.T) {
	check(t, steps(t, &AdamW{Adam: Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}, WeightDecay: 0.004}), adamRef(0.004, false))
}

func TestIterationsCounted(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		ctx := mlctx.New()
		e, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, g *graph.Node) *graph.Node {
			v := ctx.In("model").VariableWithShape("w", shapes.Make(g.DType(), 3))
			wv := v.ValueGraph(g.Graph())
			(&Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}).Apply(ctx, graph.Scalar(g.Graph(), g.DType(), lr), []*mlctx.Variable{v}, graph.Gradient(graph.ReduceAllSum(graph.Mul(wv, g)), wv))
			return g
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			e.Exec([]float32{1, 2, 3})
		}
		it := ctx.GetVariableByScopeAndName(Scope, "iterations")
		if n := tensors.ToScalar[int64](it.MustValue()); n != 4 {
			t.Errorf("iterations = %d after 4 steps", n)
		}
	})
}
