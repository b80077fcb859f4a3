package model

import (
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/registry"
)

// TestEstimateMemory checks the estimate of the reference MLP by hand:
// 101,770 float32 weights, Adam's two slots and the gradient, the outputs
// (and their gradients) of input, flatten, dense, dropout and dense_1 for
// a batch of 32, and 3 examples of 784 pixels with their labels.
func TestEstimateMemory(t *testing.T) {
	cfg := parse(t, "{type: flatten}", "{type: dense, units: 128, activation: relu}",
		"{type: dropout, rate: 0.2}", "{type: dense, units: 10, activation: softmax}")
	sum, errs := Inspect(cfg, backends.MustNew())
	if errs != nil {
		t.Fatal(errs)
	}
	set := &registry.Data{Train: &registry.Examples{N: 2, Pixels: make([]uint8, 2*784), Labels: make([]int32, 2)},
		Val: &registry.Examples{N: 1, Pixels: make([]uint8, 784), Labels: make([]int32, 1)}}
	got := EstimateMemory(cfg, sum, set)
	want := Memory{
		Params:      101770 * 4,
		Optimizer:   101770 * 4 * 3,
		Activations: 2 * (784 + 784 + 128 + 128 + 10) * 32 * 4,
		Data:        3*784 + 3*4,
	}
	if got != want {
		t.Errorf("EstimateMemory = %+v, want %+v", got, want)
	}
	if s := meminfo.Binary(got.Total()); s != "2.0 MiB" {
		t.Errorf("meminfo.Binary(%d) = %s", got.Total(), s)
	}
}

// TestEstimateMemoryAttention checks that the estimate counts attention's
// batch × heads × steps × steps scores and probabilities, and its
// projections, besides the layers' outputs.
func TestEstimateMemoryAttention(t *testing.T) {
	cfg := parse(t, "{type: reshape, shape: [28, 28]}", "{type: multiheadattention, num_heads: 3, key_dim: 4, value_dim: 5}",
		"{type: globalavgpool1d}", "{type: dense, units: 10, activation: softmax}")
	sum, errs := Inspect(cfg, backends.MustNew())
	if errs != nil {
		t.Fatal(errs)
	}
	got := EstimateMemory(cfg, sum, nil)
	const h, steps, kd, vd = 3, 28, 4, 5
	outputs := 784 + 784 + 784 + 28 + 10
	attention := h*(steps*kd+steps*kd+steps*vd+steps*vd) + 2*h*steps*steps
	if want := int64(2 * (outputs + attention) * 32 * 4); got.Activations != want {
		t.Errorf("activations %d bytes, want %d", got.Activations, want)
	}
}

// TestEstimateMemoryTransformer checks the transformer block's count by
// hand: its attention (4 heads of 7 dimensions on 28 steps of 28 features),
// and per step the attention output, residual sums, normalized values (5·28)
// and the feedforward's 2·16 intermediate values.
func TestEstimateMemoryTransformer(t *testing.T) {
	cfg := parse(t, "{type: reshape, shape: [28, 28]}", "{type: transformer, num_heads: 4, intermediate_dim: 16}",
		"{type: globalavgpool1d}", "{type: dense, units: 10, activation: softmax}")
	sum, errs := Inspect(cfg, backends.MustNew())
	if errs != nil {
		t.Fatal(errs)
	}
	got := EstimateMemory(cfg, sum, nil)
	const h, steps, k = 4, 28, 7
	outputs := 784 + 784 + 784 + 28 + 10
	block := h*4*steps*k + 2*h*steps*steps + steps*(5*28+2*16)
	if want := int64(2 * (outputs + block) * 32 * 4); got.Activations != want {
		t.Errorf("activations %d bytes, want %d", got.Activations, want)
	}
}

// TestEstimateMemoryONNX: an ONNX backbone's frozen weights count as
// non-trainable parameters, as Keras counts them, with no gradient or
// optimizer state; trainable, or unfrozen during the run, they have both
// (BatchNorm's statistics never); its inner activations count too.
func TestEstimateMemoryONNX(t *testing.T) {
	// The onnx package's small CNN: 1,440 weights (two convolutions, two
	// BatchNorms' scales and shifts) and 48 BatchNorm statistics up to its
	// flattened features, 16×7×7 = 784 on MNIST.
	const weights, stats, features = 1440, 48, 784
	const head = features*10 + 10
	for _, tt := range []struct {
		keys                    string
		trainable, nonTrainable int
		optimizerWeights        int64
	}{
		{"", head, weights + stats, head},
		{", trainable: true", head + weights, stats, head + weights},
		{", unfreeze_at_epoch: 2", head, weights + stats, head + weights},
	} {
		src := `
data: {dataset: mnist, color_mode: rgb}
model:
  layers:
    - {type: onnx, path: ../onnx/testdata/cnn_bn_preserve_op13.onnx, output: /Flatten_output_0` + tt.keys + `}
    - {type: dense, units: 10, activation: softmax}
`
		cfg, err := config.Parse("test.yaml", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		sum, errs := Inspect(cfg, backends.MustNew())
		if errs != nil {
			t.Fatal(errs)
		}
		if sum.Trainable != tt.trainable || sum.NonTrainable != tt.nonTrainable || sum.Rows[0].Output[1] != features {
			t.Errorf("%q: trainable %d, non-trainable %d, output %v; want %d, %d, %d", tt.keys,
				sum.Trainable, sum.NonTrainable, sum.Rows[0].Output, tt.trainable, tt.nonTrainable, features)
		}
		got := EstimateMemory(cfg, sum, nil)
		if want := tt.optimizerWeights * 4 * 3; got.Optimizer != want {
			t.Errorf("%q: gradients and optimizer state %d bytes, want %d (Adam: 2 slots and the gradient per trained weight)",
				tt.keys, got.Optimizer, want)
		}
		if rows := int64(2 * (28*28*1 + features + 10) * 32 * 4); got.Activations <= rows {
			t.Errorf("%q: activations %d bytes, no more than the layers' outputs (%d): the backbone's inner ones are missing", tt.keys, got.Activations, rows)
		}
	}
}
