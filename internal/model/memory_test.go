package model

import (
	"testing"

	"github.com/gomlx/gomlx/backends"

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
	if s := Bytes(got.Total()); s != "2.0 MiB" {
		t.Errorf("Bytes(%d) = %s", got.Total(), s)
	}
}
