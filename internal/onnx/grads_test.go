package onnx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// naiveConvGrads returns the gradients of Σ v·conv(x, k) for a channels-last
// x [b, h, w, c], kernel [kh, kw, c, o], by the definition.
func naiveConvGrads(x, k, v []float64, b, h, w, c, kh, kw, o, oh, ow int, s [2]int, pads [2][2]int) (dx, dk []float64) {
	dx, dk = make([]float64, len(x)), make([]float64, len(k))
	for n := range b {
		for i := range oh {
			for j := range ow {
				for p := range kh {
					for q := range kw {
						y, xx := i*s[0]+p-pads[0][0], j*s[1]+q-pads[1][0]
						if y < 0 || y >= h || xx < 0 || xx >= w {
							continue
						}
						for ci := range c {
							for co := range o {
								g := v[((n*oh+i)*ow+j)*o+co]
								dx[((n*h+y)*w+xx)*c+ci] += g * k[((p*kw+q)*c+ci)*o+co]
								dk[((p*kw+q)*c+ci)*o+co] += g * x[((n*h+y)*w+xx)*c+ci]
							}
						}
					}
				}
			}
		}
	}
	return dx, dk
}

// TestStridedConvGradient checks the gradient of strided convolutions
// (phases of stride-1 convolutions) against the definition, for geometries
// where the last rows or columns are not reached, asymmetric padding and
// kernels smaller than the stride.
func TestStridedConvGradient(t *testing.T) {
	be := cpuBackend(t, "cpu")
	r := rand.New(rand.NewPCG(3, 4))
	for _, tt := range []struct {
		h, w, c, o, kh, kw int
		s                  [2]int
		pads               [2][2]int
	}{
		{8, 8, 3, 4, 3, 3, [2]int{2, 2}, [2][2]int{{1, 1}, {1, 1}}},
		{7, 7, 2, 3, 3, 3, [2]int{2, 2}, [2][2]int{{1, 1}, {1, 1}}},
		{7, 6, 2, 2, 3, 3, [2]int{2, 2}, [2][2]int{{0, 0}, {0, 0}}},
		{9, 9, 2, 2, 1, 1, [2]int{2, 2}, [2][2]int{{0, 0}, {0, 0}}},
		{11, 10, 3, 2, 7, 7, [2]int{2, 2}, [2][2]int{{3, 3}, {3, 3}}},
		{8, 9, 2, 2, 3, 2, [2]int{3, 2}, [2][2]int{{0, 1}, {1, 0}}},
		{6, 6, 2, 3, 3, 3, [2]int{2, 1}, [2][2]int{{1, 1}, {1, 1}}},
	} {
		t.Run(fmt.Sprint(tt), func(t *testing.T) {
			const b = 2
			oh := (tt.h+tt.pads[0][0]+tt.pads[0][1]-tt.kh)/tt.s[0] + 1
			ow := (tt.w+tt.pads[1][0]+tt.pads[1][1]-tt.kw)/tt.s[1] + 1
			rnd := func(n int) []float64 {
				out := make([]float64, n)
				for i := range out {
					out[i] = r.NormFloat64()
				}
				return out
			}
			x, k, v := rnd(b*tt.h*tt.w*tt.c), rnd(tt.kh*tt.kw*tt.c*tt.o), rnd(b*oh*ow*tt.o)
			wantDx, wantDk := naiveConvGrads(x, k, v, b, tt.h, tt.w, tt.c, tt.kh, tt.kw, tt.o, oh, ow, tt.s, tt.pads)
			f32 := func(a []float64, dims ...int) *tensors.Tensor {
				out := make([]float32, len(a))
				for i, v := range a {
					out[i] = float32(v)
				}
				return tensors.FromFlatDataAndDimensions(out, dims...)
			}
			outs, err := graph.MustNewExec(be, func(x, k, v *graph.Node) (*graph.Node, *graph.Node) {
				pads := [][2]int{tt.pads[0], tt.pads[1]}
				y := graph.ConvGeneral(x, k, channelsLastConv(4), tt.s[:], pads, nil, []int{1, 1}, 1, 1)
				convStrides.Set(y, stridedConv{strides: tt.s[:], pads: pads})
				g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x, k)
				return g[0], g[1]
			}).Exec(f32(x, b, tt.h, tt.w, tt.c), f32(k, tt.kh, tt.kw, tt.c, tt.o), f32(v, b, oh, ow, tt.o))
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]float64{wantDx, wantDk} {
				got := tensors.MustCopyFlatData[float32](outs[i])
				for j := range want {
					if d := math.Abs(float64(got[j]) - want[j]); d > 1e-4*max(1, math.Abs(want[j])) {
						t.Fatalf("%s[%d] = %g, want %g", []string{"dx", "dk"}[i], j, got[j], want[j])
					}
				}
			}
		})
	}
}

// TestDepthwiseGradient checks the gradients of depthwise convolutions
// (multipliers 1 and 2, strides 1 and 2) against the definition.
func TestDepthwiseGradient(t *testing.T) {
	be := cpuBackend(t, "cpu")
	r := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []struct {
		h, w, c, m, kh, kw int
		s                  [2]int
		pads               [2][2]int
	}{
		{8, 8, 4, 1, 3, 3, [2]int{1, 1}, [2][2]int{{1, 1}, {1, 1}}},
		{8, 8, 4, 1, 3, 3, [2]int{2, 2}, [2][2]int{{1, 1}, {1, 1}}},
		{7, 9, 3, 2, 3, 3, [2]int{2, 2}, [2][2]int{{1, 1}, {1, 1}}},
		{9, 9, 2, 1, 5, 5, [2]int{2, 2}, [2][2]int{{2, 2}, {2, 2}}},
		{6, 7, 3, 2, 3, 2, [2]int{1, 2}, [2][2]int{{0, 1}, {1, 0}}},
	} {
		t.Run(fmt.Sprint(tt), func(t *testing.T) {
			const b = 2
			cm := tt.c * tt.m
			oh := (tt.h+tt.pads[0][0]+tt.pads[0][1]-tt.kh)/tt.s[0] + 1
			ow := (tt.w+tt.pads[1][0]+tt.pads[1][1]-tt.kw)/tt.s[1] + 1
			rnd := func(n int) []float64 {
				out := make([]float64, n)
				for i := range out {
					out[i] = r.NormFloat64()
				}
				return out
			}
			x, k, v := rnd(b*tt.h*tt.w*tt.c), rnd(tt.kh*tt.kw*cm), rnd(b*oh*ow*cm)
			wantDx, wantDk := make([]float64, len(x)), make([]float64, len(k))
			for n := range b {
				for i := range oh {
					for j := range ow {
						for p := range tt.kh {
							for q := range tt.kw {
								y, xx := i*tt.s[0]+p-tt.pads[0][0], j*tt.s[1]+q-tt.pads[1][0]
								if y < 0 || y >= tt.h || xx < 0 || xx >= tt.w {
									continue
								}
								for o := range cm {
									g := v[((n*oh+i)*ow+j)*cm+o]
									xi := ((n*tt.h+y)*tt.w+xx)*tt.c + o/tt.m
									wantDx[xi] += g * k[(p*tt.kw+q)*cm+o]
									wantDk[(p*tt.kw+q)*cm+o] += g * x[xi]
								}
							}
						}
					}
				}
			}
			f32 := func(a []float64, dims ...int) *tensors.Tensor {
				out := make([]float32, len(a))
				for i, v := range a {
					out[i] = float32(v)
				}
				return tensors.FromFlatDataAndDimensions(out, dims...)
			}
			outs, err := graph.MustNewExec(be, func(x, k, v *graph.Node) (*graph.Node, *graph.Node) {
				pads := [][2]int{tt.pads[0], tt.pads[1]}
				y := graph.ConvGeneral(x, k, channelsLastConv(4), tt.s[:], pads, nil, []int{1, 1}, tt.c, 1)
				tagConv(y, tt.c, tt.c, []int{tt.kh, tt.kw}, tt.s[:], pads)
				if _, ok := depthwiseConvs.Get(y); !ok {
					t.Fatal("the convolution is not tagged depthwise")
				}
				g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x, k)
				return g[0], g[1]
			}).Exec(f32(x, b, tt.h, tt.w, tt.c), f32(k, tt.kh, tt.kw, 1, cm), f32(v, b, oh, ow, cm))
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]float64{wantDx, wantDk} {
				got := tensors.MustCopyFlatData[float32](outs[i])
				for j := range want {
					if d := math.Abs(float64(got[j]) - want[j]); d > 1e-4*max(1, math.Abs(want[j])) {
						t.Fatalf("%s[%d] = %g, want %g", []string{"dx", "dk"}[i], j, got[j], want[j])
					}
				}
			}
		})
	}
}
