package cpu

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestShapeOps(t *testing.T) {
	rng := newRng(5)
	type shapeCase struct {
		name string
		dims []int
		fn   func(x *Node) *Node
	}
	cases := []shapeCase{
		{"Reshape", []int{2, 3, 4}, func(x *Node) *Node { return Reshape(x, 6, 4) }},
		{"Transpose2D", []int{37, 53}, func(x *Node) *Node { return Transpose(x, 0, 1) }},
		{"Transpose3D", []int{3, 4, 5}, func(x *Node) *Node { return TransposeAllAxes(x, 2, 0, 1) }},
		{"Transpose4D", []int{2, 3, 4, 5}, func(x *Node) *Node { return TransposeAllAxes(x, 0, 3, 1, 2) }},
		{"Transpose4D-b", []int{2, 3, 4, 5}, func(x *Node) *Node { return TransposeAllAxes(x, 3, 2, 1, 0) }},
		{"Broadcast", []int{3, 4}, func(x *Node) *Node { return BroadcastPrefix(x, 2, 5) }},
		{"BroadcastInDim", []int{3, 1}, func(x *Node) *Node { return BroadcastToDims(x, 3, 6) }},
		{"BroadcastInDim-mid", []int{4, 1, 5}, func(x *Node) *Node { return BroadcastToDims(x, 4, 3, 5) }},
		{"ExpandAndBroadcast", []int{3}, func(x *Node) *Node {
			return BroadcastToDims(InsertAxes(x, 0, -1), 2, 3, 4)
		}},
		{"Slice", []int{5, 6}, func(x *Node) *Node { return Slice(x, AxisRange(1, 4), AxisRange(2)) }},
		{"SliceStrided", []int{7, 9, 3}, func(x *Node) *Node {
			return Slice(x, AxisRange(1, 7).Stride(2), AxisRange(0, 9).Stride(3), AxisRange())
		}},
		{"Concatenate", []int{3, 4}, func(x *Node) *Node { return Concatenate([]*Node{x, Add(x, x), x}, 1) }},
		{"Concatenate0", []int{3, 4}, func(x *Node) *Node { return Concatenate([]*Node{x, Add(x, x)}, 0) }},
		{"Iota", []int{3, 4}, func(x *Node) *Node {
			return Add(x, ConvertDType(Iota(x.Graph(), shapes.Make(dtypes.Int32, 3, 4), 1), x.DType()))
		}},
		{"Iota0", []int{3, 4, 2}, func(x *Node) *Node {
			return Add(x, ConvertDType(Iota(x.Graph(), shapes.Make(dtypes.Int64, 3, 4, 2), 0), x.DType()))
		}},
	}
	for _, c := range cases {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Int64, dtypes.Uint8, dtypes.Float64} {
			t.Run(fmt.Sprintf("%s/%s", c.name, dt), func(t *testing.T) {
				x := randomTensor(rng, dt, 0, 100, c.dims...)
				compareBackends(t, func(ins []*Node) []*Node { return []*Node{c.fn(ins[0])} }, []*tensors.Tensor{x}, 0)
			})
		}
	}
}

// refPadReverse are reference implementations for Pad and Reverse, not supported by simplego.
func refIndex(dims, idx []int) int {
	flat := 0
	for i, d := range dims {
		flat = flat*d + idx[i]
	}
	return flat
}

func forEachIndex(dims []int, fn func(idx []int)) {
	size := 1
	for _, d := range dims {
		size *= d
	}
	idx := make([]int, len(dims))
	for range size {
		fn(idx)
		for a := len(dims) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < dims[a] {
				break
			}
			idx[a] = 0
		}
	}
}

func TestPadReverse(t *testing.T) {
	cpu := cpuBackend(t)
	rng := newRng(6)
	type padCase struct {
		dims []int
		cfg  []backends.PadAxis
	}
	padCases := []padCase{
		{[]int{3, 4}, []backends.PadAxis{{Start: 1, End: 2}, {Start: 0, End: 3}}},
		{[]int{3, 4}, []backends.PadAxis{{Start: 1, End: 2, Interior: 1}, {Start: 2, End: 0, Interior: 2}}},
		{[]int{2, 3, 4}, []backends.PadAxis{{}, {Start: -1, End: 1}, {Start: 1, End: -2, Interior: 1}}},
		{[]int{5}, []backends.PadAxis{{Start: 3, End: 3, Interior: 3}}},
		{[]int{2, 5, 5, 3}, []backends.PadAxis{{}, {Start: 1, End: 1}, {Start: 1, End: 1}}},
	}
	for i, c := range padCases {
		t.Run(fmt.Sprintf("Pad#%d", i), func(t *testing.T) {
			x := randomTensor(rng, dtypes.Float32, -5, 5, c.dims...)
			xFlat := tensors.MustCopyFlatData[float32](x)
			out := MustExecOnce(cpu, func(x *Node) *Node { return Pad(x, Const(x.Graph(), float32(-7)), c.cfg...) }, x)
			outDims := out.Shape().Dimensions
			got := tensors.MustCopyFlatData[float32](out)
			want := make([]float32, len(got))
			for j := range want {
				want[j] = -7
			}
			forEachIndex(c.dims, func(idx []int) {
				pos := make([]int, len(idx))
				for a := range idx {
					var pc backends.PadAxis
					if a < len(c.cfg) {
						pc = c.cfg[a]
					}
					pos[a] = pc.Start + idx[a]*(pc.Interior+1)
					if pos[a] < 0 || pos[a] >= outDims[a] {
						return
					}
				}
				want[refIndex(outDims, pos)] = xFlat[refIndex(c.dims, idx)]
			})
			if err := compareFlat(want, got, 0); err != nil {
				t.Fatalf("Pad%v: %v", c.cfg, err)
			}
		})
	}
	revCases := []struct {
		dims, axes []int
	}{
		{[]int{5}, []int{0}}, {[]int{3, 4}, []int{1}}, {[]int{3, 4}, []int{0, 1}}, {[]int{2, 3, 3, 4}, []int{1, 2}},
	}
	for i, c := range revCases {
		t.Run(fmt.Sprintf("Reverse#%d", i), func(t *testing.T) {
			x := randomTensor(rng, dtypes.Float32, -5, 5, c.dims...)
			xFlat := tensors.MustCopyFlatData[float32](x)
			got := tensors.MustCopyFlatData[float32](MustExecOnce(cpu, func(x *Node) *Node { return Reverse(x, c.axes...) }, x))
			want := make([]float32, len(got))
			forEachIndex(c.dims, func(idx []int) {
				src := append([]int(nil), idx...)
				for _, a := range c.axes {
					src[a] = c.dims[a] - 1 - idx[a]
				}
				want[refIndex(c.dims, idx)] = xFlat[refIndex(c.dims, src)]
			})
			if err := compareFlat(want, got, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReductions(t *testing.T) {
	rng := newRng(7)
	type redCase struct {
		dims []int
		axes []int
	}
	cases := []redCase{
		{[]int{7}, []int{0}}, {[]int{3, 4}, []int{1}}, {[]int{3, 4}, []int{0}}, {[]int{3, 4}, nil},
		{[]int{2, 3, 4}, []int{0, 2}}, {[]int{2, 3, 4}, []int{1}}, {[]int{32, 10}, []int{1}},
		{[]int{8, 7, 7, 16}, []int{0, 1, 2}}, {[]int{4, 1, 5}, []int{1}}, {[]int{1000}, []int{0}},
	}
	ops := map[string]func(x *Node, axes ...int) *Node{
		"Sum": ReduceSum, "Max": ReduceMax, "Min": ReduceMin, "Product": ReduceMultiply,
	}
	for name, op := range ops {
		for _, c := range cases {
			for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64} {
				t.Run(fmt.Sprintf("%s/%s/%v/%v", name, dt, c.dims, c.axes), func(t *testing.T) {
					lo, hi := -5.0, 5.0
					if name == "Product" {
						lo, hi = 0.9, 1.1
						if dt.IsInt() {
							lo, hi = -1, 2
						}
					}
					x := randomTensor(rng, dt, lo, hi, c.dims...)
					compareBackends(t, func(ins []*Node) []*Node { return []*Node{op(ins[0], c.axes...)} }, []*tensors.Tensor{x}, 1e-5)
				})
			}
		}
	}
	for _, c := range cases {
		for _, axis := range c.axes {
			t.Run(fmt.Sprintf("ArgMax/%v/%d", c.dims, axis), func(t *testing.T) {
				x := randomTensor(rng, dtypes.Float32, -5, 5, c.dims...)
				compareBackends(t, func(ins []*Node) []*Node {
					return []*Node{ArgMax(ins[0], axis, dtypes.Int32), ArgMin(ins[0], axis, dtypes.Int64)}
				}, []*tensors.Tensor{x}, 0)
			})
		}
	}
	t.Run("Fallback/ReduceBitwiseAnd", func(t *testing.T) {
		x := randomTensor(rng, dtypes.Int32, 0, 1000, 3, 5)
		compareBackends(t, func(ins []*Node) []*Node { return []*Node{ReduceBitwiseAnd(ins[0], 1)} }, []*tensors.Tensor{x}, 0)
	})
}

func TestReduceWindow(t *testing.T) {
	rng := newRng(8)
	x := randomTensor(rng, dtypes.Float32, -5, 5, 4, 12, 12, 3)
	cases := map[string]func(x *Node) *Node{
		"MaxPool2":       func(x *Node) *Node { return MaxPool(x).Window(2).Done() },
		"MaxPool3s2Same": func(x *Node) *Node { return MaxPool(x).Window(3).Strides(2).PadSame().Done() },
		"SumPool":        func(x *Node) *Node { return SumPool(x).Window(2).Done() },
		"MeanPool3":      func(x *Node) *Node { return MeanPool(x).Window(3).Strides(1).PadSame().Done() },
		"LastAxis": func(x *Node) *Node {
			return BackendReduceWindow(x, backends.ReduceOpMax, []int{1, 1, 1, 3}, []int{1, 1, 1, 1}, nil, nil, nil)
		},
		"AllAxes": func(x *Node) *Node {
			return BackendReduceWindow(x, backends.ReduceOpSum, []int{2, 3, 3, 2}, []int{2, 2, 3, 1}, nil, nil,
				[][2]int{{0, 1}, {1, 1}, {0, 0}, {1, 0}})
		},
		"ChannelsFirst": func(x *Node) *Node {
			return BackendReduceWindow(x, backends.ReduceOpMin, []int{1, 1, 2, 2}, []int{1, 1, 2, 2}, nil, nil, nil)
		},
		"WindowDilation": func(x *Node) *Node {
			return BackendReduceWindow(x, backends.ReduceOpMax, []int{1, 2, 2, 1}, []int{1, 1, 1, 1}, nil, []int{1, 2, 3, 1}, nil)
		},
		"BaseDilation": func(x *Node) *Node {
			return BackendReduceWindow(x, backends.ReduceOpMax, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, nil, nil)
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node { return []*Node{fn(ins[0])} }, []*tensors.Tensor{x}, 1e-5)
		})
	}
}

// TestZeroSize checks ops on tensors with a dimension of 0 (simplego panics on them: no reference).
func TestZeroSize(t *testing.T) {
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 0, 5))
	flats, outShapes := run(t, cpuBackend(t), func(ins []*Node) []*Node {
		x := ins[0]
		return []*Node{
			Add(x, x), Exp(x), ReduceSum(x, 0), ReduceMax(x, 1), Transpose(x, 0, 1),
			Concatenate([]*Node{x, x}, 0), Reshape(x, 5, 0), Mul(x, Const(x.Graph(), float32(2))),
			Dot(Transpose(x, 0, 1), x),
		}
	}, []*tensors.Tensor{x})
	wantDims := [][]int{{0, 5}, {0, 5}, {5}, {0}, {5, 0}, {0, 5}, {5, 0}, {0, 5}, {5, 5}}
	for i, want := range wantDims {
		if !slices.Equal(outShapes[i].Dimensions, want) {
			t.Fatalf("output #%d: got shape %s, want dims %v", i, outShapes[i], want)
		}
	}
	for _, i := range []int{2, 8} {
		for _, v := range flats[i].([]float32) {
			if v != 0 {
				t.Fatalf("output #%d: sum over an empty axis should be 0, got %v", i, flats[i])
			}
		}
	}
}
