package model

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu" // the cpu backend, its op profile included
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/registry"
)

// parse returns the config of an MNIST model with the given layers (YAML flow
// mappings, one per line).
func parse(t testing.TB, layers ...string) *config.Config {
	t.Helper()
	src := "model:\n  layers:\n"
	for _, l := range layers {
		src += "    - " + l + "\n"
	}
	cfg, err := config.Parse("test.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// trainStep returns an executable training step of cfg's model on backend.
func trainStep(t testing.TB, cfg *config.Config, be backends.Backend) (*mlctx.Exec, *Model) {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(1)
	e, err := mlctx.NewExec(be, ctx, m.TrainStep)
	if err != nil {
		t.Fatal(err)
	}
	return e, m
}

// batch returns inputs (integers in [0, 10) when tokens, else in [0, 1)) and
// labels for m.
func batch(m *Model, n int, tokens bool) (*tensors.Tensor, *tensors.Tensor) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, m.Inputs(n).Size())
	for i := range x {
		x[i] = r.Float32()
		if tokens {
			x[i] = float32(r.IntN(10))
		}
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(r.IntN(10))
	}
	return tensors.FromFlatDataAndDimensions(x, m.Inputs(n).Dimensions...), tensors.FromFlatDataAndDimensions(y, n)
}

// TestNoFallback runs a training step of models using each new layer on the
// cpu backend with its op profile on, and fails if any op of the forward or
// backward pass (or the optimizer's update) ran through simplego: the image
// and embedding models of the table, and the text models of text_test.go
// (attention, transformer, masked and bidirectional recurrent layers).
func TestNoFallback(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tokens bool
		layers []string
	}{
		{"1-D", false, []string{
			"{type: reshape, shape: [28, 28]}",
			"{type: conv1d, filters: 4, kernel_size: 3, padding: same, activation: relu}",
			"{type: conv1d, filters: 4, kernel_size: 3, strides: 2, padding: causal}",
			"{type: maxpool1d}", "{type: avgpool1d, pool_size: 3, strides: 1}",
			"{name: max, type: globalmaxpool1d, inputs: [avgpool1d]}",
			"{name: avg, type: globalavgpool1d, inputs: [avgpool1d]}",
			"{type: concat, inputs: [max, avg]}", "{type: dense, units: 10}",
		}},
		{"depthwise", false, []string{
			"{type: depthwiseconv2d, kernel_size: 3, padding: same, depth_multiplier: 2}",
			"{type: separableconv2d, filters: 8, kernel_size: 3, strides: 2, padding: same}",
			"{type: layernorm}", "{type: globalavgpool2d}", "{type: dense, units: 10, activation: softmax}",
		}},
		{"spatial", false, []string{
			"{type: zeropadding2d, padding: 2}", "{type: cropping2d, cropping: [[1, 3], [2, 2]]}",
			"{type: upsampling2d}", "{name: a, type: conv2d, filters: 4, kernel_size: 3, strides: 2}",
			"{name: b, type: conv2d, filters: 4, kernel_size: 1, inputs: [a]}",
			"{type: multiply, inputs: [a, b]}", "{name: s, type: add, inputs: [a, multiply]}",
			"{type: globalmaxpool2d}", "{type: dense, units: 10}",
		}},
		{"embedding", true, []string{
			"{type: flatten}", "{type: embedding, input_dim: 10, output_dim: 4}",
			"{type: globalavgpool1d}", "{type: dense, units: 10}",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be, err := backends.NewWithConfig("cpu:profile")
			if err != nil {
				t.Fatal(err)
			}
			e, m := trainStep(t, parse(t, tt.layers...), be)
			x, y := batch(m, 4, tt.tokens)
			checkNoFallback(t, be, e, x, y)
		})
	}
	for _, tt := range textModels { // int32 tokens with padding, masks, attention
		t.Run("text/"+tt.name, func(t *testing.T) {
			be, err := backends.NewWithConfig("cpu:profile")
			if err != nil {
				t.Fatal(err)
			}
			m := textModel(t, 8, tt.layers...)
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			e, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				t.Fatal(err)
			}
			x := tokens(rand.New(rand.NewPCG(1, 2)), 8, 8, 3, 0, 5)
			checkNoFallback(t, be, e, x, tensors.FromFlatDataAndDimensions([]int32{0, 1, 2, 1}, 4))
		})
	}
}

// checkNoFallback runs e on x, y on the profiling backend be and fails if
// any op ran through simplego.
func checkNoFallback(t *testing.T, be backends.Backend, e *mlctx.Exec, x, y *tensors.Tensor) {
	t.Helper()
	if _, err := e.Exec(x, y); err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	be.(interface{ ProfileReport(io.Writer, int) }).ProfileReport(&report, 0)
	for _, line := range strings.Split(report.String(), "\n") {
		if strings.Contains(line, "(fallback)") {
			t.Errorf("op ran on simplego: %s", strings.TrimSpace(line))
		}
	}
	if n := strings.Count(report.String(), "\n"); n < 20 {
		t.Errorf("the profile lists only %d lines: %s", n, report.String())
	}
}

// TestEmbeddingLearns trains embedding → globalmaxpool1d → dense on
// sequences of 8 tokens in [0, 10), labelled by whether token 3 appears, and
// checks the accuracy on fresh sequences.
func TestEmbeddingLearns(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, "{type: embedding, input_dim: 10, output_dim: 8}", "{type: globalmaxpool1d}",
		"{type: dense, units: 2, activation: softmax}")
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Info, m.LearningRate = registry.DataInfo{Shape: []int{8}, NumClasses: 2}, 0.01
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(1)
	train, err := mlctx.NewExec(be, ctx, m.TrainStep)
	if err != nil {
		t.Fatal(err)
	}
	eval, err := mlctx.NewExec(be, ctx.Reuse(), m.EvalStep)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		if _, err := train.Exec(tokenBatch(r, 32)); err != nil {
			t.Fatal(err)
		}
	}
	x, y := tokenBatch(r, 1000)
	out, err := eval.Exec(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if acc := tensors.ToScalar[float32](out[1]) / 1000; acc < 0.97 {
		t.Errorf("accuracy %.3f after 300 steps, want ≥ 0.97", acc)
	}
}

// tokenBatch returns n sequences of 8 tokens in [0, 10), as float32, and
// whether each contains token 3.
func tokenBatch(r *rand.Rand, n int) (*tensors.Tensor, *tensors.Tensor) {
	x := make([]float32, n*8)
	y := make([]int32, n)
	for i := range x {
		x[i] = float32(r.IntN(10))
		if x[i] == 3 {
			y[i/8] = 1
		}
	}
	return tensors.FromFlatDataAndDimensions(x, n, 8), tensors.FromFlatDataAndDimensions(y, n)
}

// TestKerasParamCounts checks each layer's parameter count in the summary
// against Keras's formulas, worked out by hand for these shapes, and that a
// graph model ending in a dense softmax still folds it into the loss.
func TestKerasParamCounts(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := parse(t,
		"{name: stem, type: conv2d, filters: 8, kernel_size: 3, padding: same}",   // 9·1·8 + 8 = 80
		"{type: depthwiseconv2d, kernel_size: 3, depth_multiplier: 2}",            // 9·8·2 + 16 = 160 → (26, 26, 16)
		"{type: separableconv2d, filters: 8, kernel_size: [3, 2], padding: same}", // 6·16 + 16·8 + 8 = 232
		"{type: layernorm}",                                           // 2·8 = 16
		"{type: zeropadding2d, padding: 1}",                           // (28, 28, 8)
		"{name: side, type: cropping2d, cropping: 0, inputs: [stem]}", // (28, 28, 8)
		"{name: merged, type: concat, inputs: [zeropadding2d, side]}", // (28, 28, 16)
		"{type: upsampling2d, size: [1, 1]}",
		"{type: reshape, shape: [784, 16]}",
		"{type: conv1d, filters: 4, kernel_size: 5, strides: 4}", // 5·16·4 + 4 = 324 → (195, 4)
		"{type: maxpool1d, pool_size: 3}",                        // (65, 4)
		"{type: globalmaxpool1d}",
		"{type: dense, units: 10, activation: softmax}", // 4·10 + 10 = 50
	)
	sum, errs := Inspect(cfg, be)
	if errs != nil {
		t.Fatal(errs)
	}
	want := []int{80, 160, 232, 16, 0, 0, 0, 0, 0, 324, 0, 0, 50}
	for i, row := range sum.Rows {
		if row.Params != want[i] {
			t.Errorf("%s: %d parameters, Keras %d", row.Name, row.Params, want[i])
		}
	}
	if !sum.Connected || sum.Total != 862 {
		t.Errorf("connected %v, total %d, want true and 862", sum.Connected, sum.Total)
	}
	if m, err := New(cfg); err != nil || !m.FoldSoftmax {
		t.Errorf("FoldSoftmax %v (err %v), want true", m != nil && m.FoldSoftmax, err)
	}
	emb := parse(t, "{type: flatten}", "{type: embedding, input_dim: 300, output_dim: 4}", // 1,200
		"{type: globalavgpool2d, inputs: [embedding]}", "{type: dense, units: 10}")
	if _, errs := Inspect(emb, be); errs == nil || !strings.Contains(errs.Error(), "model.layers[2] (globalavgpool2d): needs 4-D input") {
		t.Errorf("got %v, want a rank error naming globalavgpool2d", errs)
	}
	emb = parse(t, "{type: flatten}", "{type: embedding, input_dim: 300, output_dim: 4}", "{type: globalavgpool1d}", "{type: dense, units: 10}")
	if sum, errs := Inspect(emb, be); errs != nil || sum.Rows[1].Params != 1200 || sum.Connected {
		t.Errorf("embedding: %v, %+v", errs, sum)
	}
}
