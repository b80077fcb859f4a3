package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestGatherScatter(t *testing.T) {
	rng := newRng(12)
	params := randomTensor(rng, dtypes.Float32, -5, 5, 10, 6)
	params3 := randomTensor(rng, dtypes.Float32, -5, 5, 4, 7, 5)
	for _, idt := range []dtypes.DType{dtypes.Int32, dtypes.Int64, dtypes.Uint8} {
		indices := randomTensor(rng, idt, 0, 10, 7, 1)
		indices2 := randomTensor(rng, idt, 0, 4, 3, 2, 2)
		labels := randomTensor(rng, idt, 0, 10, 32)
		t.Run(fmt.Sprintf("Gather/%s", idt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				return []*Node{Gather(ins[0], ins[1]), Gather(ins[2], ins[3])}
			}, []*tensors.Tensor{params, indices, params3, indices2}, 0)
		})
		t.Run(fmt.Sprintf("GatherSlices/%s", idt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				start := ConvertDType(Const(ins[0].Graph(), [][]int32{{0, 3}, {2, 1}, {3, 0}}), idt)
				return []*Node{GatherSlices(ins[0], []int{0, 1}, start, []int{1, 4}, false)}
			}, []*tensors.Tensor{params3}, 0)
		})
		t.Run(fmt.Sprintf("OneHot/%s", idt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				return []*Node{OneHot(ins[0], 10, dtypes.Float32)}
			}, []*tensors.Tensor{labels}, 0)
		})
		updates := randomTensor(rng, dtypes.Float32, -5, 5, 7, 6)
		t.Run(fmt.Sprintf("Scatter/%s", idt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				return []*Node{
					ScatterSum(ins[0], ins[1], ins[2], false, false),
					ScatterMax(ins[0], ins[1], ins[2], false, false),
					ScatterMin(ins[0], ins[1], ins[2], false, false),
				}
			}, []*tensors.Tensor{params, indices, updates}, 1e-6)
		})
		t.Run(fmt.Sprintf("GatherGradient/%s", idt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				g := Gather(ins[0], ins[1])
				return Gradient(ReduceAllSum(Mul(g, g)), ins[0])
			}, []*tensors.Tensor{params, indices}, 1e-6)
		})
	}
}

func TestRNG(t *testing.T) {
	for _, seed := range []int64{0, 42, 12345} {
		state, err := RNGStateFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, dims := range [][]int{{}, {1}, {3}, {13}, {32, 128}, {7, 5, 3}} {
			t.Run(fmt.Sprintf("seed%d/%v", seed, dims), func(t *testing.T) {
				compareBackends(t, func(ins []*Node) []*Node {
					s1, u32 := RandomUniform(ins[0], shapes.Make(dtypes.Float32, dims...))
					s2, u64 := RandomUniform(s1, shapes.Make(dtypes.Float64, dims...))
					s3, n32 := RandomNormal(s2, shapes.Make(dtypes.Float32, dims...))
					s4, ints := RandomIntN(s3, 10, shapes.Make(dtypes.Int32, dims...))
					s5, bits := RNGStateSplit(s4)
					// Only the first 2 elements of the state are used: simplego leaves the third uninitialized.
					return []*Node{u32, u64, n32, ints, Slice(s5, AxisRange(0, 2)), bits}
				}, []*tensors.Tensor{state}, 0)
			})
		}
	}
	// Raw bits of 1 and 2-byte dtypes, whose sizes are not multiple of 8 bytes.
	state, _ := RNGStateFromSeed(7)
	for _, dt := range []dtypes.DType{dtypes.Uint8, dtypes.Int16, dtypes.Uint32} {
		t.Run(fmt.Sprintf("bits/%s", dt), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				s, v := RandomIntN(ins[0], 100, shapes.Make(dt, 5, 3))
				return []*Node{Slice(s, AxisRange(0, 2)), v}
			}, []*tensors.Tensor{state}, 0)
		})
	}
}

func TestSelectAndScatter(t *testing.T) {
	rng := newRng(13)
	x := randomTensor(rng, dtypes.Float32, -5, 5, 2, 8, 8, 3)
	cpu := cpuBackend(t)
	for _, same := range []bool{false, true} {
		for _, isMin := range []bool{false, true} {
			t.Run(fmt.Sprintf("same=%v/min=%v", same, isMin), func(t *testing.T) {
				outs := MustExecOnceN(cpu, func(x *Node) []*Node {
					var pooled *Node
					pb := MaxPool(x)
					if isMin {
						pb = MinPool(x)
					}
					pb = pb.Window(3).Strides(2)
					if same {
						pb = pb.PadSame()
					}
					pooled = pb.Done()
					loss := ReduceAllSum(Mul(pooled, pooled))
					return append([]*Node{pooled}, Gradient(loss, x)...)
				}, x)
				pooled := tensors.MustCopyFlatData[float32](outs[0])
				grad := tensors.MustCopyFlatData[float32](outs[1])
				xFlat := tensors.MustCopyFlatData[float32](x)
				pDims := outs[0].Shape().Dimensions
				dims := x.Shape().Dimensions
				pad := 0
				if same {
					pad = 1 // GoMLX's PadSame pads (window-1)/2 at the start.
				}
				want := make([]float32, len(xFlat))
				forEachIndex(pDims, func(pi []int) {
					bestFlat := -1
					var best float32
					for dy := range 3 {
						for dx := range 3 {
							y, xx := pi[1]*2+dy-pad, pi[2]*2+dx-pad
							if y < 0 || y >= dims[1] || xx < 0 || xx >= dims[2] {
								continue
							}
							f := refIndex(dims, []int{pi[0], y, xx, pi[3]})
							v := xFlat[f]
							if bestFlat < 0 || (!isMin && v > best) || (isMin && v < best) {
								best, bestFlat = v, f
							}
						}
					}
					want[bestFlat] += 2 * pooled[refIndex(pDims, pi)]
				})
				if err := compareFlat(want, grad, 1e-6); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestFallback checks ops executed through simplego: an op not implemented natively (Clz), an
// op with a dtype not implemented natively (BFloat16), and a multi-output fallback that simplego
// doesn't support either, which must return simplego's error.
func TestFallback(t *testing.T) {
	rng := newRng(14)
	x := randomTensor(rng, dtypes.Int32, 0, 1000, 4, 5)
	compareBackends(t, func(ins []*Node) []*Node {
		return []*Node{Clz(ins[0]), BitCount(ins[0]), ReduceBitwiseXor(ins[0], 0)}
	}, []*tensors.Tensor{x}, 0)

	f := randomTensor(rng, dtypes.Float32, -3, 3, 4, 5)
	compareBackends(t, func(ins []*Node) []*Node {
		bf := ConvertDType(ins[0], dtypes.BFloat16)
		sum := Add(Mul(bf, bf), bf)
		return []*Node{ConvertDType(sum, dtypes.Float32), ConvertDType(ReduceSum(bf, 1), dtypes.Float32)}
	}, []*tensors.Tensor{f}, 1e-6)

	// Check the node really was a fallback.
	b := cpuBackend(t).Builder("fallback")
	p, err := b.Parameter("x", shapes.Make(dtypes.Int32, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	op, err := b.Clz(p)
	if err != nil {
		t.Fatal(err)
	}
	if op.(*opNode).fallback == nil {
		t.Fatalf("Clz should be a fallback node")
	}
	add, _ := b.Add(p, p)
	if add.(*opNode).fallback != nil {
		t.Fatalf("Add(int32) should be native")
	}

	// BatchNormForTraining isn't implemented by simplego: the error must say so.
	bn := cpuBackend(t).Builder("bn")
	x4, _ := bn.Parameter("x", shapes.Make(dtypes.Float32, 2, 3), nil)
	scale, _ := bn.Parameter("s", shapes.Make(dtypes.Float32, 3), nil)
	_, _, _, err = bn.BatchNormForTraining(x4, scale, scale, 1e-3, 1)
	if err == nil {
		t.Fatalf("BatchNormForTraining should fail like simplego")
	}
	var _ backends.Builder = bn
}

// TestSelectAndScatterFastPath compares the fast (row-based) SelectAndScatter with the generic one on window
// configurations over various axes.
func TestSelectAndScatterFastPath(t *testing.T) {
	rng := newRng(23)
	type ssCase struct {
		dims, window, strides []int
		paddings              [][2]int
	}
	cases := []ssCase{
		{[]int{2, 8, 8, 3}, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, nil},
		{[]int{2, 8, 8, 3}, []int{1, 3, 3, 1}, []int{1, 2, 2, 1}, [][2]int{{0, 0}, {1, 1}, {1, 1}, {0, 0}}},
		{[]int{2, 3, 8, 8}, []int{1, 1, 2, 2}, []int{1, 1, 2, 2}, nil},
		{[]int{4, 6, 5}, []int{2, 3, 5}, []int{2, 3, 1}, [][2]int{{0, 0}, {0, 0}, {2, 2}}},
	}
	for i, c := range cases {
		for _, isMin := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/min=%v", i, isMin), func(t *testing.T) {
				b := cpuBackend(t).Builder("ss")
				x := randomTensor(rng, dtypes.Float32, -5, 5, c.dims...)
				xs := x.Shape()
				xp, _ := b.Parameter("x", xs, nil)
				// Source shape: as many windows as fit.
				srcDims := make([]int, len(c.dims))
				for a := range srcDims {
					var pad [2]int
					if c.paddings != nil {
						pad = c.paddings[a]
					}
					srcDims[a] = (c.dims[a]+pad[0]+pad[1]-c.window[a])/c.strides[a] + 1
				}
				src := randomTensor(rng, dtypes.Float32, -5, 5, srcDims...)
				sp, _ := b.Parameter("s", src.Shape(), nil)
				var op backends.Op
				var err error
				if isMin {
					op, err = b.SelectAndScatterMin(xp, sp, c.window, c.strides, c.paddings)
				} else {
					op, err = b.SelectAndScatterMax(xp, sp, c.window, c.strides, c.paddings)
				}
				if err != nil {
					t.Fatal(err)
				}
				d := op.(*opNode).data.(*selectScatterData)
				if d.rows == nil {
					t.Fatalf("no fast path")
				}
				fast := make([]float32, xs.Size())
				generic := make([]float32, xs.Size())
				st := &execState{b: cpuBackend(t).(*Backend)}
				xf, sf := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](src)
				d.rowsKernel(st, d.rows, isMin, xf, sf, fast)
				d.kernel(d, xf, sf, generic)
				if err := compareFlat(generic, fast, 0); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
