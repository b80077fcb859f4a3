package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	_ "github.com/exp-runner/exp/internal/cpu"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	_ "github.com/exp-runner/exp/internal/grads"
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

func randTensor(r *rand.Rand, dims ...int) ([]float32, *tensors.Tensor) {
	n := 1
	for _, d := range dims {
		n *= d
	}
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s, tensors.FromFlatDataAndDimensions(s, dims...)
}

func flat(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

func close32(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-5*(1+math.Abs(float64(b))) }

// naivePool returns max- or average-pooled x and the gradient of Σ y·v.
func naivePool(x []float32, b, h, w, c, ph, pw, sh, sw, top, left, oh, ow int, isMax bool, v []float32) (y, dx []float32) {
	y = make([]float32, b*oh*ow*c)
	dx = make([]float32, len(x))
	for n := range b {
		for i := range oh {
			for j := range ow {
				for ch := range c {
					yi := ((n*oh+i)*ow+j)*c + ch
					best, bestAt, sum, cnt := float32(math.Inf(-1)), -1, float32(0), 0
					for p := range ph {
						for q := range pw {
							hh, ww := i*sh+p-top, j*sw+q-left
							if hh < 0 || hh >= h || ww < 0 || ww >= w {
								continue
							}
							xi := ((n*h+hh)*w+ww)*c + ch
							if x[xi] > best {
								best, bestAt = x[xi], xi
							}
							sum += x[xi]
							cnt++
						}
					}
					if isMax {
						y[yi] = best
						dx[bestAt] += v[yi]
						continue
					}
					y[yi] = sum / float32(cnt)
					for p := range ph {
						for q := range pw {
							hh, ww := i*sh+p-top, j*sw+q-left
							if hh >= 0 && hh < h && ww >= 0 && ww < w {
								dx[((n*h+hh)*w+ww)*c+ch] += v[yi] / float32(cnt)
							}
						}
					}
				}
			}
		}
	}
	return y, dx
}

func TestPooling(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, tt := range []struct {
			name    string
			max     bool
			h, w    int
			pool, s Pair
			padding string
		}{
			{"max 2 (reshape)", true, 6, 8, Pair{2, 2}, Pair{2, 2}, "valid"},
			{"avg 2 (reshape)", false, 6, 8, Pair{2, 2}, Pair{2, 2}, "valid"},
			{"max 2 odd input", true, 7, 5, Pair{2, 2}, Pair{2, 2}, "valid"},
			{"max 3 stride 2", true, 7, 7, Pair{3, 3}, Pair{2, 2}, "valid"},
			{"max 2 same", true, 5, 7, Pair{2, 2}, Pair{2, 2}, "same"},
			{"avg 3 stride 1 same", false, 5, 4, Pair{3, 3}, Pair{1, 1}, "same"},
			{"avg 2x3 stride 2x1", false, 6, 6, Pair{2, 3}, Pair{2, 1}, "valid"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				const b, c = 2, 3
				oh, padH := outSize(tt.h, tt.pool[0], tt.s[0], tt.padding)
				ow, padW := outSize(tt.w, tt.pool[1], tt.s[1], tt.padding)
				x, xt := randTensor(r, b, tt.h, tt.w, c)
				v, vt := randTensor(r, b, oh, ow, c)
				wantY, wantDX := naivePool(x, b, tt.h, tt.w, c, tt.pool[0], tt.pool[1], tt.s[0], tt.s[1], padH[0], padW[0], oh, ow, tt.max, v)
				s := tt.s
				layer := &Pool2D{max: tt.max, PoolSize: tt.pool, Strides: &s, Padding: tt.padding}
				out := graph.MustExecOnceN(be, func(x, v *graph.Node) []*graph.Node {
					y, err := layer.Build(nil, x)
					if err != nil {
						t.Fatal(err)
					}
					return []*graph.Node{y, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x)[0]}
				}, xt, vt)
				for name, pair := range map[string][2][]float32{"y": {flat(out[0]), wantY}, "dx": {flat(out[1]), wantDX}} {
					for i := range pair[1] {
						if !close32(pair[0][i], pair[1][i]) {
							t.Fatalf("%s[%d] = %g, want %g", name, i, pair[0][i], pair[1][i])
						}
					}
				}
			})
		}
	})
}

// build runs layer on x in training or evaluation mode; the context keeps
// the layer's variables between calls.
func build(t *testing.T, be backends.Backend, ctx *mlctx.Context, layer registry.Layer, training bool, x *tensors.Tensor) *tensors.Tensor {
	t.Helper()
	e, err := mlctx.NewExec(be, ctx.Checked(false), func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), training)
		y, err := layer.Build(ctx.In("layer"), x)
		if err != nil {
			panic(err)
		}
		return y
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(x)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func TestBatchNorm(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		r := rand.New(rand.NewPCG(7, 8))
		const n, c = 16, 3
		x, xt := randTensor(r, n, c)
		for i := range x {
			x[i] = x[i]*float32(1+i%c) + float32(i%c) // channel ch: mean ≈ ch, spread 1+ch
		}
		xt = tensors.FromFlatDataAndDimensions(x, n, c)
		bn := &BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}
		ctx := mlctx.New()
		y := flat(build(t, be, ctx, bn, true, xt))
		var mean, sq [c]float64
		for i, v := range x {
			mean[i%c] += float64(v) / n
		}
		for i, v := range x {
			d := float64(v) - mean[i%c]
			sq[i%c] += d * d / n
		}
		for ch := range c {
			var m, v float64
			for i := ch; i < len(y); i += c {
				m += float64(y[i]) / n
			}
			for i := ch; i < len(y); i += c {
				v += (float64(y[i]) - m) * (float64(y[i]) - m) / n
			}
			if math.Abs(m) > 1e-5 || math.Abs(v-sq[ch]/(sq[ch]+0.001)) > 1e-4 {
				t.Errorf("channel %d: normalized mean %g variance %g", ch, m, v)
			}
		}
		mm := flat(ctx.GetVariableByScopeAndName("/layer", "moving_mean").MustValue())
		mv := flat(ctx.GetVariableByScopeAndName("/layer", "moving_variance").MustValue())
		for ch := range c {
			if !close32(mm[ch], float32(0.01*mean[ch])) || !close32(mv[ch], float32(0.99+0.01*sq[ch])) {
				t.Errorf("channel %d: moving mean %g variance %g after one step", ch, mm[ch], mv[ch])
			}
		}
		// Evaluation normalises with the moving averages.
		ye := flat(build(t, be, ctx, bn, false, xt))
		for i, v := range x {
			ch := i % c
			want := (float64(v) - float64(mm[ch])) / math.Sqrt(float64(mv[ch])+0.001)
			if !close32(ye[i], float32(want)) {
				t.Fatalf("eval y[%d] = %g, want %g", i, ye[i], want)
			}
		}
	})
}

// TestBatchNormGradient checks that the gradient flows through the batch
// statistics: Σ over the batch of a normalised channel is constant, so its
// gradient with respect to x is zero (it would not be with the statistics
// treated as constants), and a weighted sum matches finite differences.
func TestBatchNormGradient(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		r := rand.New(rand.NewPCG(9, 10))
		const n, c = 8, 2
		x, xt := randTensor(r, n, c)
		w, wt := randTensor(r, n, c)
		bn := &BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}
		loss := func(ctx *mlctx.Context, x, w *graph.Node) (*graph.Node, *graph.Node) {
			ctx.SetTraining(x.Graph(), true)
			y, err := bn.Build(ctx.In("bn"), x)
			if err != nil {
				panic(err)
			}
			return graph.ReduceAllSum(y), graph.ReduceAllSum(graph.Mul(y, w))
		}
		e, err := mlctx.NewExec(be, mlctx.New(), func(ctx *mlctx.Context, x, w *graph.Node) []*graph.Node {
			sum, weighted := loss(ctx, x, w)
			return []*graph.Node{graph.Gradient(sum, x)[0], graph.Gradient(weighted, x)[0], weighted}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Exec(xt, wt)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range flat(out[0]) {
			if math.Abs(float64(g)) > 1e-4 {
				t.Fatalf("d Σy/dx[%d] = %g, want 0", i, g)
			}
		}
		grad := flat(out[1])
		f := func(xs []float32) float64 {
			o, err := e.Exec(tensors.FromFlatDataAndDimensions(xs, n, c), wt)
			if err != nil {
				t.Fatal(err)
			}
			return float64(tensors.ToScalar[float32](o[2]))
		}
		_ = w
		const h = 1e-2
		for i := range x {
			xp, xm := append([]float32(nil), x...), append([]float32(nil), x...)
			xp[i] += h
			xm[i] -= h
			fd := (f(xp) - f(xm)) / (2 * h)
			if math.Abs(fd-float64(grad[i])) > 2e-2*(1+math.Abs(fd)) {
				t.Errorf("d/dx[%d] = %g, finite difference %g", i, grad[i], fd)
			}
		}
	})
}

func TestDropout(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		const n = 20000
		ones := make([]float32, n)
		for i := range ones {
			ones[i] = 1
		}
		xt := tensors.FromFlatDataAndDimensions(ones, 1, n)
		ctx := mlctx.New()
		if err := ctx.SetRNGStateFromSeed(1); err != nil {
			t.Fatal(err)
		}
		d := &Dropout{Rate: 0.2}
		y := flat(build(t, be, ctx, d, true, xt))
		zeros := 0
		for _, v := range y {
			switch {
			case v == 0:
				zeros++
			case !close32(v, 1.25):
				t.Fatalf("kept value %g, want 1/(1-0.2) = 1.25", v)
			}
		}
		if frac := float64(zeros) / n; frac < 0.18 || frac > 0.22 {
			t.Errorf("dropped %.3f of the inputs, want 0.2", frac)
		}
		for _, v := range flat(build(t, be, ctx, d, false, xt)) {
			if v != 1 {
				t.Fatalf("evaluation changed an input to %g", v)
			}
		}
	})
}

func TestActivations(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		xs := []float32{-2, -0.5, 0, 0.5, 2}
		want := map[string]func(float64) float64{
			"relu":     func(x float64) float64 { return math.Max(x, 0) },
			"sigmoid":  func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
			"tanh":     math.Tanh,
			"gelu":     func(x float64) float64 { return x / 2 * (1 + math.Erf(x/math.Sqrt2)) },
			"softplus": func(x float64) float64 { return math.Log1p(math.Exp(x)) },
			"elu": func(x float64) float64 {
				if x > 0 {
					return x
				}
				return math.Expm1(x)
			},
			"linear": func(x float64) float64 { return x },
		}
		for name, fn := range want {
			act, err := registry.Activations.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			out := graph.MustExecOnce(be, func(x *graph.Node) *graph.Node { return act(x) }, xs)
			for i, v := range flat(out) {
				if !close32(v, float32(fn(float64(xs[i])))) {
					t.Errorf("%s(%g) = %g, want %g", name, xs[i], v, fn(float64(xs[i])))
				}
			}
		}
		sm, _ := registry.Activations.Lookup("softmax")
		out := flat(graph.MustExecOnce(be, func(x *graph.Node) *graph.Node { return sm(x) }, [][]float32{{1, 2, 3}}))
		e := []float64{math.Exp(1), math.Exp(2), math.Exp(3)}
		for i, v := range out {
			if !close32(v, float32(e[i]/(e[0]+e[1]+e[2]))) {
				t.Errorf("softmax[%d] = %g", i, v)
			}
		}
	})
}

func TestDenseInitializers(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		ctx := mlctx.New()
		if err := ctx.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		x := tensors.FromFlatDataAndDimensions(make([]float32, 2*300), 2, 300)
		build(t, be, ctx, &Dense{Units: 100, Activation: "linear", UseBias: true}, true, x)
		k := flat(ctx.GetVariableByScopeAndName("/layer", "kernel").MustValue())
		bias := flat(ctx.GetVariableByScopeAndName("/layer", "bias").MustValue())
		limit := math.Sqrt(6.0 / (300 + 100)) // glorot uniform
		var sq float64
		for _, v := range k {
			if math.Abs(float64(v)) > limit {
				t.Fatalf("kernel value %g outside ±%g", v, limit)
			}
			sq += float64(v) * float64(v)
		}
		if variance := sq / float64(len(k)); math.Abs(variance-limit*limit/3) > 0.1*limit*limit/3 {
			t.Errorf("kernel variance %g, want %g", variance, limit*limit/3)
		}
		for _, v := range bias {
			if v != 0 {
				t.Fatal("bias not zero")
			}
		}
	})
}
