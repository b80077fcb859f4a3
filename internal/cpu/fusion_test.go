package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestMulReduceSumFusion checks ReduceSum(Mul(broadcast a, broadcast b)) patterns, computed as matrix products.
func TestMulReduceSumFusion(t *testing.T) {
	rng := newRng(18)
	type fusionCase struct {
		name   string
		a, b   []int
		fn     func(a, b *Node) *Node
		useDot bool
	}
	bcast := func(x *Node, dims []int, axes ...int) *Node {
		// Insert the missing axes, then broadcast.
		shape := make([]int, len(dims))
		for i := range shape {
			shape[i] = 1
		}
		for i, axis := range axes {
			shape[axis] = x.Shape().Dimensions[i]
		}
		return BroadcastToDims(Reshape(x, shape...), dims...)
	}
	cases := []fusionCase{
		{"matmul", []int{8, 9}, []int{9, 10}, func(a, b *Node) *Node {
			return ReduceSum(Mul(bcast(a, []int{8, 9, 10}, 0, 1), bcast(b, []int{8, 9, 10}, 1, 2)), 1)
		}, true},
		{"transposed-out", []int{8, 9}, []int{7, 9}, func(a, b *Node) *Node {
			return ReduceSum(Mul(bcast(a, []int{7, 8, 9}, 1, 2), bcast(b, []int{7, 8, 9}, 0, 2)), 2)
		}, true},
		{"batch", []int{3, 8, 9}, []int{3, 9, 10}, func(a, b *Node) *Node {
			return ReduceSum(Mul(bcast(a, []int{3, 8, 9, 10}, 0, 1, 2), bcast(b, []int{3, 8, 9, 10}, 0, 2, 3)), 2)
		}, true},
		{"keep-unit-axis", []int{8, 9}, []int{9, 10}, func(a, b *Node) *Node {
			return ReduceSum(Mul(bcast(a, []int{8, 1, 9, 10}, 0, 2), bcast(b, []int{8, 1, 9, 10}, 2, 3)), 2)
		}, true},
		{"too-small", []int{2, 9}, []int{9, 10}, func(a, b *Node) *Node {
			return ReduceSum(Mul(bcast(a, []int{2, 9, 10}, 0, 1), bcast(b, []int{2, 9, 10}, 1, 2)), 1)
		}, false},
		{"implicit-broadcast", []int{8, 9}, []int{9, 10}, func(a, b *Node) *Node {
			return ReduceSum(Mul(Reshape(a, 8, 9, 1), Reshape(b, 1, 9, 10)), 1)
		}, true},
		{"stock-dot-gradient", []int{16, 20}, []int{20, 12}, func(a, b *Node) *Node {
			y := Dot(a, b)
			grads := Gradient(ReduceAllSum(Mul(y, y)), a, b)
			return Concatenate([]*Node{Reshape(grads[0], -1), Reshape(grads[1], -1)}, 0)
		}, true},
	}
	for _, c := range cases {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			t.Run(fmt.Sprintf("%s/%s", c.name, dt), func(t *testing.T) {
				a := randomTensor(rng, dt, -1, 1, c.a...)
				b := randomTensor(rng, dt, -1, 1, c.b...)
				fn := func(ins []*Node) []*Node { return []*Node{c.fn(ins[0], ins[1])} }
				compareBackends(t, fn, []*tensors.Tensor{a, b}, 1e-5)
				// Check whether the fusion happened: no ReduceSum executed, a DotGeneral instead.
				backend := cpuBackendWith(t, "profile")
				backend.(*Backend).profile.reset()
				run(t, backend, fn, []*tensors.Tensor{a, b})
				ops := backend.(*Backend).profile.opTypes()
				if fused := ops["DotGeneral"] && !ops["ReduceSum"]; fused != c.useDot {
					t.Fatalf("fused=%v, want %v (executed ops: %v)", fused, c.useDot, ops)
				}
			})
		}
	}
}
