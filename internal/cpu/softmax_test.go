package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/exp-runner/exp/internal/grads"
)

// TestSoftmaxFusion checks that the softmax over the last axis built by
// graph.Softmax and grads.Softmax runs as one fused node (no Exp, ReduceMax
// or ReduceSum executed) and gives simplego's values within float32
// rounding, with rows of masked logits (-1e9, attention's padding) and row
// lengths below, at and above the vectorized loops' block; and that other
// exp-over-sum divisions are left alone.
func TestSoftmaxFusion(t *testing.T) {
	rng := newRng(21)
	for _, c := range []struct {
		name  string
		dims  []int
		fn    func(x *Node) *Node
		fused bool
	}{
		{"graph", []int{3, 70}, func(x *Node) *Node { return Softmax(x, -1) }, true},
		{"grads", []int{2, 3, 128}, grads.Softmax, true},
		{"short rows", []int{5, 4}, grads.Softmax, true},
		{"masked", []int{4, 96}, func(x *Node) *Node {
			mask := Iota(x.Graph(), x.Shape(), 1)
			limit := Reshape(Const(x.Graph(), []float32{96, 40, 1, 0}), 4, 1) // row 3: all masked
			return grads.Softmax(Add(x, Where(LessThan(mask, limit), ZerosLike(x), Scalar(x.Graph(), dtypes.Float32, -1e9))))
		}, true},
		{"first axis", []int{6, 5}, func(x *Node) *Node {
			e := Exp(Sub(x, ReduceAndKeep(x, ReduceMax, 0)))
			return Div(e, ReduceAndKeep(e, ReduceSum, 0))
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := randomTensor(rng, dtypes.Float32, -5, 5, c.dims...)
			fn := func(ins []*Node) []*Node { return []*Node{c.fn(ins[0])} }
			compareBackends(t, fn, []*tensors.Tensor{x}, 1e-6)
			backend := cpuBackendWith(t, "profile")
			backend.(*Backend).profile.reset()
			run(t, backend, fn, []*tensors.Tensor{x})
			ops := backend.(*Backend).profile.opTypes()
			if fused := !ops["Exp"] && !ops["ReduceMax"] && !ops["ReduceSum"] && ops["Div"]; fused != c.fused {
				t.Fatalf("fused=%v, want %v (executed ops: %v)", fused, c.fused, fmt.Sprint(ops))
			}
		})
	}
}

// TestSoftmaxGradientFused checks that a training-style graph (the softmax
// and its gradient from grads.Softmax) still runs without the unfused
// forward ops, and matches simplego.
func TestSoftmaxGradientFused(t *testing.T) {
	rng := newRng(22)
	x := randomTensor(rng, dtypes.Float32, -3, 3, 8, 40)
	v := randomTensor(rng, dtypes.Float32, -1, 1, 8, 40)
	fn := func(ins []*Node) []*Node {
		y := grads.Softmax(ins[0])
		return []*Node{y, Gradient(ReduceAllSum(Mul(y, ins[1])), ins[0])[0]}
	}
	compareBackends(t, fn, []*tensors.Tensor{x, v}, 1e-5)
	backend := cpuBackendWith(t, "profile")
	backend.(*Backend).profile.reset()
	run(t, backend, fn, []*tensors.Tensor{x, v})
	if ops := backend.(*Backend).profile.opTypes(); ops["Exp"] || ops["ReduceMax"] {
		t.Fatalf("unfused forward ops ran: %v", ops)
	}
}
