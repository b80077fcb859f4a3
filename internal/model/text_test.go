package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// textModels are models on token sequences whose embedding has mask_zero,
// one for each way a mask is read: by pooling, attention, a transformer, and
// recurrent layers in one direction or two.
var textModels = []struct {
	name   string
	layers []string
}{
	{"transformer", []string{
		"{type: embedding, input_dim: 20, output_dim: 8, mask_zero: true}",
		"{type: positionembedding, sequence_length: 16}",
		"{type: transformer, num_heads: 2, intermediate_dim: 16}",
		"{type: globalavgpool1d}", "{type: dense, units: 3, activation: softmax}",
	}},
	{"attention", []string{
		"{name: tokens, type: embedding, input_dim: 20, output_dim: 8, mask_zero: true}",
		"{type: sinepositionencoding}", "{type: dense, units: 8, activation: relu}",
		"{type: multiheadattention, num_heads: 2, key_dim: 4, causal: true}",
		"{type: layernorm}", "{type: dropout, rate: 0.1}",
		"{name: cross, type: multiheadattention, num_heads: 2, key_dim: 3, value_dim: 5, inputs: [dropout, tokens]}",
		"{type: add, inputs: [cross, tokens]}",
		"{type: globalmaxpool1d}", "{type: dense, units: 3, activation: softmax}",
	}},
	{"lstm", []string{
		"{type: embedding, input_dim: 20, output_dim: 6, mask_zero: true}",
		"{type: lstm, units: 5, bidirectional: true, return_sequences: true}",
		"{type: lstm, units: 4, return_sequences: true}",
		"{type: gru, units: 4, bidirectional: true}", "{type: dense, units: 3, activation: softmax}",
	}},
	{"gru", []string{
		"{type: embedding, input_dim: 20, output_dim: 6, mask_zero: true}",
		"{type: gru, units: 5, return_sequences: true, reset_after: false}",
		"{name: avg, type: globalavgpool1d}",
		"{name: last, type: lstm, units: 3, inputs: [gru]}",
		"{type: concat, inputs: [avg, last]}", "{type: dense, units: 3, activation: softmax}",
	}},
}

// textModel returns the model of a config with the given layers for
// sequences of steps tokens and 3 classes.
func textModel(t testing.TB, steps int, layers ...string) *Model {
	t.Helper()
	m, err := New(parse(t, layers...))
	if err != nil {
		t.Fatal(err)
	}
	m.Info = registry.DataInfo{Shape: []int{steps}, NumClasses: 3}
	return m
}

// tokens returns n sequences of steps int32 tokens: sequence i has
// lengths[i] tokens in [1, 20), then padding (0).
func tokens(r *rand.Rand, steps int, lengths ...int) *tensors.Tensor {
	x := make([]int32, len(lengths)*steps)
	for i, n := range lengths {
		for j := range n {
			x[i*steps+j] = int32(1 + r.IntN(19))
		}
	}
	return tensors.FromFlatDataAndDimensions(x, len(lengths), steps)
}

// pad returns x [n, steps] padded with zeros to [n, steps+more].
func pad(x *tensors.Tensor, more int) *tensors.Tensor {
	dims := x.Shape().Dimensions
	n, steps := dims[0], dims[1]
	src := tensors.MustCopyFlatData[int32](x)
	out := make([]int32, n*(steps+more))
	for i := range n {
		copy(out[i*(steps+more):], src[i*steps:(i+1)*steps])
	}
	return tensors.FromFlatDataAndDimensions(out, n, steps+more)
}

// predict returns the model's output on x (evaluation mode), with the
// variables of ctx (created at the first call).
func predict(t *testing.T, be backends.Backend, ctx *mlctx.Context, m *Model, x *tensors.Tensor) []float32 {
	t.Helper()
	e, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), false)
		out, err := m.Forward(ctx, x)
		if err != nil {
			panic(err)
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(x)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out[0])
}

// TestMaskPadding checks that a model's output for a batch of sequences
// does not change (within 1e-6) when more padding is added to them, and
// that a sequence of padding only gives finite outputs; with the mask off
// (mask_zero: false) the padding does change the output, so the check can
// fail.
func TestMaskPadding(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range textModels {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			x := tokens(r, 8, 8, 5, 1, 0, 3)
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(3)
			short := predict(t, be, ctx, textModel(t, 8, tt.layers...), x)
			long := predict(t, be, ctx.Reuse(), textModel(t, 16, tt.layers...), pad(x, 8))
			for i := range short {
				if math.IsNaN(float64(short[i])) || math.IsInf(float64(short[i]), 0) {
					t.Fatalf("output[%d] = %g", i, short[i])
				}
				if d := math.Abs(float64(short[i] - long[i])); d > 1e-6 {
					t.Errorf("output[%d] = %g with 8 steps, %g with 16 (difference %.2g)", i, short[i], long[i], d)
				}
			}
			unmasked := strings.Replace(strings.Join(tt.layers, "\n"), "mask_zero: true", "mask_zero: false", 1)
			ctx = mlctx.New()
			ctx.SetRNGStateFromSeed(3)
			short = predict(t, be, ctx, textModel(t, 8, strings.Split(unmasked, "\n")...), x)
			long = predict(t, be, ctx.Reuse(), textModel(t, 16, strings.Split(unmasked, "\n")...), pad(x, 8))
			if maxDiff(short, long) < 1e-4 {
				t.Errorf("without the mask, padding changes the output by %.2g only", maxDiff(short, long))
			}
		})
	}
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestMaskAllPadding checks that a sequence of padding only gives exact
// zeros from masked pooling and from attention (at every step), and that a
// training step on a batch holding one keeps the loss and every weight
// finite.
func TestMaskAllPadding(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	x := tokens(r, 6, 0, 4, 0)
	for _, tt := range []struct {
		name   string
		layers []string
		width  int // values per example
	}{
		{"avg", []string{"{type: embedding, input_dim: 20, output_dim: 4, mask_zero: true}", "{type: globalavgpool1d}"}, 4},
		{"max", []string{"{type: embedding, input_dim: 20, output_dim: 4, mask_zero: true}", "{type: globalmaxpool1d}"}, 4},
		{"attention", []string{"{type: embedding, input_dim: 20, output_dim: 4, mask_zero: true}",
			"{type: multiheadattention, num_heads: 2, key_dim: 3}"}, 6 * 4},
		{"transformer", []string{"{type: embedding, input_dim: 20, output_dim: 4, mask_zero: true}",
			"{type: transformer, num_heads: 2, intermediate_dim: 8}", "{type: globalavgpool1d}"}, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			out := predict(t, be, ctx, textModel(t, 6, tt.layers...), x)
			for _, ex := range []int{0, 2} {
				for i, v := range out[ex*tt.width : (ex+1)*tt.width] {
					if v != 0 {
						t.Fatalf("example %d (padding only), value %d = %g, want 0", ex, i, v)
					}
				}
			}
			if maxDiff(out[tt.width:2*tt.width], make([]float32, tt.width)) == 0 {
				t.Errorf("example 1 (4 tokens) gives zeros too")
			}
		})
	}
	for _, tt := range textModels {
		t.Run("train/"+tt.name, func(t *testing.T) {
			m := textModel(t, 6, tt.layers...)
			m.LearningRate = 0.01
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			train, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				t.Fatal(err)
			}
			y := tensors.FromFlatDataAndDimensions([]int32{0, 1, 2}, 3)
			for range 2 {
				out, err := train.Exec(x, y)
				if err != nil {
					t.Fatal(err)
				}
				if loss := tensors.ToScalar[float32](out[0]); math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
					t.Fatalf("loss %g", loss)
				}
			}
			for v := range ctx.IterVariables() {
				if f, ok := v.MustValue().Value().([]float32); ok {
					for _, w := range f {
						if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
							t.Fatalf("%s holds %g after two steps", v.ScopeAndName(), w)
						}
					}
				}
			}
		})
	}
}

// TestMaskLearns trains the text models on sequences of 3 to 12 tokens
// padded to 12, labelled by which of the tokens 1, 2, 3 comes first, and
// checks the accuracy on fresh sequences (chance: 1/3).
func TestMaskLearns(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	const steps = 12
	batch := func(r *rand.Rand, n int) (*tensors.Tensor, *tensors.Tensor) {
		x, y := make([]int32, n*steps), make([]int32, n)
		for i := range n {
			length := 3 + r.IntN(steps-2)
			first := 1 + r.IntN(3)
			pos := r.IntN(length)
			for j := range length {
				switch {
				case j == pos:
					x[i*steps+j] = int32(first)
				case j < pos:
					x[i*steps+j] = int32(4 + r.IntN(16))
				default:
					x[i*steps+j] = int32(1 + r.IntN(19))
				}
			}
			y[i] = int32(first - 1)
		}
		return tensors.FromFlatDataAndDimensions(x, n, steps), tensors.FromFlatDataAndDimensions(y, n)
	}
	for _, tt := range textModels {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			m := textModel(t, steps, tt.layers...)
			m.LearningRate = 0.01
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(2)
			train, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				t.Fatal(err)
			}
			for range 600 {
				if _, err := train.Exec(batch(r, 32)); err != nil {
					t.Fatal(err)
				}
			}
			eval, err := mlctx.NewExec(be, ctx.Reuse(), m.EvalStep)
			if err != nil {
				t.Fatal(err)
			}
			out, err := eval.Exec(batch(r, 600))
			if err != nil {
				t.Fatal(err)
			}
			if acc := tensors.ToScalar[float32](out[1]) / 600; acc < 0.9 {
				t.Errorf("accuracy %.3f after 600 steps, want ≥ 0.9", acc)
			}
		})
	}
}
