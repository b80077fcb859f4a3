package model

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
)

// parseSrc returns the config of src, an MNIST config file.
func parseSrc(t testing.TB, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const denseSrc = `
model:
  layers:
    - {type: flatten}
    - {type: dense, units: 10, activation: softmax%s}
train: {optimizer: %s, learning_rate: 1%s}
`

// exec1 builds fn of a model of cfg on ctx and runs it on x, y; it returns
// the model and the outputs as float64.
func exec1(t *testing.T, be backends.Backend, ctx *mlctx.Context, cfg *config.Config, train bool, setup func(*Model), x, y *tensors.Tensor) (*Model, []float64) {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(m)
	}
	fn := m.EvalStep
	if train {
		fn = m.TrainStep
	}
	e, err := mlctx.NewExec(be, ctx.Checked(false), fn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(x, y)
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	for _, o := range out[:2] { // the summed loss and the correct count; a classifier's predictions follow
		vals = append(vals, float64(tensors.ToScalar[float32](o)))
	}
	return m, vals
}

// values returns a copy of the variable's values as float64.
func values(t *testing.T, ctx *mlctx.Context, layer, name string) []float64 {
	t.Helper()
	v := ctx.GetVariableByScopeAndName(ctx.InAbsPath(Scope).In(layer).Scope(), name)
	if v == nil {
		t.Fatalf("no variable %s/%s", layer, name)
	}
	var out []float64
	tensors.MustConstFlatData(v.MustValue(), func(flat []float32) {
		for _, f := range flat {
			out = append(out, float64(f))
		}
	})
	return out
}

// crossEntropies returns, by hand in float64, each example's cross-entropy
// of the dense layer's logits against labels smoothed by ls.
func crossEntropies(t *testing.T, ctx *mlctx.Context, x, y *tensors.Tensor, ls float64) []float64 {
	w, b := values(t, ctx, "dense", "kernel"), values(t, ctx, "dense", "bias")
	var xs []float32
	var ys []int32
	tensors.MustConstFlatData(x, func(f []float32) { xs = append(xs, f...) })
	tensors.MustConstFlatData(y, func(f []int32) { ys = append(ys, f...) })
	k, d := len(b), len(w)/len(b)
	var out []float64
	for i, label := range ys {
		logits := make([]float64, k)
		for c := range k {
			logits[c] = b[c]
			for j := range d {
				logits[c] += float64(xs[i*d+j]) * w[j*k+c]
			}
		}
		mx := math.Inf(-1)
		for _, l := range logits {
			mx = math.Max(mx, l)
		}
		sum := 0.0
		for _, l := range logits {
			sum += math.Exp(l - mx)
		}
		ce := 0.0
		for c, l := range logits {
			target := ls / float64(k)
			if c == int(label) {
				target += 1 - ls
			}
			ce -= target * (l - mx - math.Log(sum))
		}
		out = append(out, ce)
	}
	return out
}

func approx(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.7g, want %.7g", what, got, want)
	}
}

func sum(xs []float64) (s float64) {
	for _, x := range xs {
		s += x
	}
	return s
}

// TestRegularizedLoss: with kernel_regularizer {l1, l2}, the summed loss of
// a batch of n is the cross-entropy plus n·(l1·Σ|w| + l2·Σw²), in training
// (before the update) and in evaluation alike.
func TestRegularizedLoss(t *testing.T) {
	be := backends.MustNew()
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(1)
	plain := parseSrc(t, sprintf(denseSrc, "", "sgd", ""))
	reg := parseSrc(t, sprintf(denseSrc, ", kernel_regularizer: {l1: 0.001, l2: 0.01}", "sgd", ""))
	m, _ := New(plain)
	x, y := batch(m, 4, false)
	_, base := exec1(t, be, ctx, plain, false, nil, x, y)
	w := values(t, ctx, "dense", "kernel")
	penalty := 0.0
	for _, v := range w {
		penalty += 0.001*math.Abs(v) + 0.01*v*v
	}
	approx(t, "unregularized loss", base[0], sum(crossEntropies(t, ctx, x, y, 0)))
	_, eval := exec1(t, be, ctx, reg, false, nil, x, y)
	approx(t, "regularized eval loss", eval[0], base[0]+4*penalty)
	_, train := exec1(t, be, ctx, reg, true, nil, x, y)
	approx(t, "regularized train loss", train[0], base[0]+4*penalty)
}

// TestLabelSmoothing compares the smoothed cross-entropy with a hand
// computation on the same weights.
func TestLabelSmoothing(t *testing.T) {
	be := backends.MustNew()
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(1)
	cfg := parseSrc(t, sprintf(denseSrc, "", "sgd", ", label_smoothing: 0.2"))
	m, _ := New(cfg)
	x, y := batch(m, 4, false)
	_, got := exec1(t, be, ctx, cfg, false, nil, x, y)
	want := sum(crossEntropies(t, ctx, x, y, 0.2))
	approx(t, "smoothed loss", got[0], want)
	if plain := sum(crossEntropies(t, ctx, x, y, 0)); math.Abs(plain-want) < 1e-3 {
		t.Errorf("smoothing changed the loss only from %v to %v", plain, want)
	}
}

// TestClassWeights: each training example's loss is multiplied by its
// class's weight.
func TestClassWeights(t *testing.T) {
	be := backends.MustNew()
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(1)
	cfg := parseSrc(t, sprintf(denseSrc, "", "sgd", ""))
	m, _ := New(cfg)
	x, y := batch(m, 6, false)
	_, _ = exec1(t, be, ctx, cfg, false, nil, x, y) // creates the weights
	ces := crossEntropies(t, ctx, x, y, 0)
	weights := []float64{0.5, 1, 2, 3, 0, 1.5, 4, 0.25, 1, 2}
	_, got := exec1(t, be, ctx, cfg, true, func(m *Model) { m.ClassWeights = weights }, x, y)
	want := 0.0
	tensors.MustConstFlatData(y, func(ys []int32) {
		for i, c := range ys {
			want += weights[c] * ces[i]
		}
	})
	approx(t, "weighted loss", got[0], want)
}

// TestClipping runs one SGD step (lr 1) with each clipping key: the update
// is minus the gradient, clipped as Keras clips it.
func TestClipping(t *testing.T) {
	step := func(clip string) (kernel, bias []float64) {
		be := backends.MustNew()
		ctx := mlctx.New()
		ctx.SetRNGStateFromSeed(1)
		cfg := parseSrc(t, sprintf(denseSrc, "", "{name: sgd"+clip+"}", ""))
		m, _ := New(cfg)
		x, y := batch(m, 4, false)
		exec1(t, be, ctx, cfg, false, nil, x, y)
		k0, b0 := values(t, ctx, "dense", "kernel"), values(t, ctx, "dense", "bias")
		exec1(t, be, ctx, cfg, true, nil, x, y)
		k1, b1 := values(t, ctx, "dense", "kernel"), values(t, ctx, "dense", "bias")
		for i := range k1 {
			k1[i] = k0[i] - k1[i]
		}
		for i := range b1 {
			b1[i] = b0[i] - b1[i]
		}
		return k1, b1
	}
	gk, gb := step("")
	norm := func(v []float64) float64 { return math.Sqrt(dot(v, v)) }
	nk, nb := norm(gk), norm(gb)
	global := math.Hypot(nk, nb)
	scaleK, scaleB := math.Min(1, 0.05/nk), math.Min(1, 0.05/nb)
	if scaleK == 1 && scaleB == 1 {
		t.Fatalf("gradient norms %v, %v: clipnorm 0.05 would not clip", nk, nb)
	}
	for _, tt := range []struct {
		clip string
		want func(i int, g float64, isBias bool) float64
	}{
		{", clipnorm: 0.05", func(_ int, g float64, isBias bool) float64 {
			if isBias {
				return g * scaleB
			}
			return g * scaleK
		}},
		{", global_clipnorm: 0.05", func(_ int, g float64, _ bool) float64 { return g * math.Min(1, 0.05/global) }},
		{", clipvalue: 0.001", func(_ int, g float64, _ bool) float64 { return math.Max(-0.001, math.Min(0.001, g)) }},
	} {
		k, b := step(tt.clip)
		for i, g := range gk {
			if want := tt.want(i, g, false); math.Abs(k[i]-want) > 1e-6 {
				t.Errorf("%s: kernel[%d] moved by %v, want %v (gradient %v)", tt.clip, i, k[i], want, g)
				break
			}
		}
		for i, g := range gb {
			if want := tt.want(i, g, true); math.Abs(b[i]-want) > 1e-6 {
				t.Errorf("%s: bias[%d] moved by %v, want %v (gradient %v)", tt.clip, i, b[i], want, g)
				break
			}
		}
	}
}

func dot(a, b []float64) (s float64) {
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

var sprintf = fmt.Sprintf
