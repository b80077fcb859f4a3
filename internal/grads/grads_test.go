package grads_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	_ "github.com/exp-runner/exp/internal/cpu"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/exp-runner/exp/internal/grads"
)

// eachBackend runs a test on GoMLX's pure-Go backend and on exp's own.
func eachBackend(t *testing.T, fn func(t *testing.T, be backends.Backend)) {
	for _, name := range []string{"go", "cpu"} {
		t.Run(name, func(t *testing.T) {
			be, err := backends.NewWithConfig(name)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, be)
		})
	}
}

func randSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.Float64()*2 - 1
	}
	return s
}

func near(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.12g, want %.12g", what, i, got[i], want[i])
		}
	}
}

// TestDotGradient checks the 2-D Dot gradient against dA = V·Bᵀ, dB = Aᵀ·V.
func TestDotGradient(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		r := rand.New(rand.NewPCG(1, 2))
		const m, k, n = 5, 7, 3
		a, b, v := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
		out := graph.MustExecOnceN(be, func(a, b, v *graph.Node) []*graph.Node {
			loss := graph.ReduceAllSum(graph.Mul(graph.Dot(a, b), v))
			return graph.Gradient(loss, a, b)
		}, tensors.FromFlatDataAndDimensions(a, m, k), tensors.FromFlatDataAndDimensions(b, k, n), tensors.FromFlatDataAndDimensions(v, m, n))
		da, db := make([]float64, m*k), make([]float64, k*n)
		for i := range m {
			for j := range k {
				for l := range n {
					da[i*k+j] += v[i*n+l] * b[j*n+l]
					db[j*n+l] += a[i*k+j] * v[i*n+l]
				}
			}
		}
		near(t, "dA", tensors.MustCopyFlatData[float64](out[0]), da)
		near(t, "dB", tensors.MustCopyFlatData[float64](out[1]), db)
	})
}

type convCase struct {
	name                    string
	b, h, w, cin, cout      int
	kh, kw, sh, sw          int
	padTop, padBot, padLeft int
	padRight                int
}

// naiveConv computes y and the gradients of Σ y·v directly from the definition.
func naiveConv(c convCase, x, k, v []float64) (y, dx, dk []float64) {
	oh := (c.h+c.padTop+c.padBot-c.kh)/c.sh + 1
	ow := (c.w+c.padLeft+c.padRight-c.kw)/c.sw + 1
	y = make([]float64, c.b*oh*ow*c.cout)
	dx = make([]float64, len(x))
	dk = make([]float64, len(k))
	for b := range c.b {
		for i := range oh {
			for j := range ow {
				for o := range c.cout {
					yi := ((b*oh+i)*ow+j)*c.cout + o
					for p := range c.kh {
						for q := range c.kw {
							hh, ww := i*c.sh+p-c.padTop, j*c.sw+q-c.padLeft
							if hh < 0 || hh >= c.h || ww < 0 || ww >= c.w {
								continue
							}
							for ci := range c.cin {
								xi := ((b*c.h+hh)*c.w+ww)*c.cin + ci
								ki := ((p*c.kw+q)*c.cin+ci)*c.cout + o
								y[yi] += x[xi] * k[ki]
								dx[xi] += v[yi] * k[ki]
								dk[ki] += v[yi] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return y, dx, dk
}

func TestConv2DGradient(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		cases := []convCase{
			{"3x3 same", 2, 6, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1},
			{"3x3 valid", 2, 6, 5, 2, 3, 3, 3, 1, 1, 0, 0, 0, 0},
			{"1x1", 1, 4, 4, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0},
			{"5x5 same", 1, 7, 7, 2, 2, 5, 5, 1, 1, 2, 2, 2, 2},
			{"3x3 stride 2 same", 2, 7, 8, 2, 3, 3, 3, 2, 2, 1, 1, 0, 1},
			{"3x2 stride 2x1 valid", 1, 9, 6, 2, 2, 3, 2, 2, 1, 0, 0, 0, 0},
			{"2x2 stride 2 valid odd", 1, 5, 5, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0},
		}
		r := rand.New(rand.NewPCG(3, 4))
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				oh := (c.h+c.padTop+c.padBot-c.kh)/c.sh + 1
				ow := (c.w+c.padLeft+c.padRight-c.kw)/c.sw + 1
				x := randSlice(r, c.b*c.h*c.w*c.cin)
				k := randSlice(r, c.kh*c.kw*c.cin*c.cout)
				v := randSlice(r, c.b*oh*ow*c.cout)
				wantY, wantDX, wantDK := naiveConv(c, x, k, v)
				p := grads.Conv2DParams{Strides: [2]int{c.sh, c.sw}, Paddings: [2][2]int{{c.padTop, c.padBot}, {c.padLeft, c.padRight}}}
				out := graph.MustExecOnceN(be, func(x, k, v *graph.Node) []*graph.Node {
					y := grads.Conv2D(x, k, p)
					g := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x, k)
					return []*graph.Node{y, g[0], g[1]}
				}, tensors.FromFlatDataAndDimensions(x, c.b, c.h, c.w, c.cin),
					tensors.FromFlatDataAndDimensions(k, c.kh, c.kw, c.cin, c.cout),
					tensors.FromFlatDataAndDimensions(v, c.b, oh, ow, c.cout))
				near(t, "y", tensors.MustCopyFlatData[float64](out[0]), wantY)
				near(t, "dx", tensors.MustCopyFlatData[float64](out[1]), wantDX)
				near(t, "dk", tensors.MustCopyFlatData[float64](out[2]), wantDK)
			})
		}
	})
}

// TestRsqrtGradient checks d(1/√x)/dx = -x^(-3/2)/2.
func TestRsqrtGradient(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		xs := []float64{0.25, 1, 4, 9.5}
		out := graph.MustExecOnce(be, func(x *graph.Node) *graph.Node {
			return graph.Gradient(graph.ReduceAllSum(graph.Rsqrt(x)), x)[0]
		}, xs)
		want := make([]float64, len(xs))
		for i, x := range xs {
			want[i] = -0.5 * math.Pow(x, -1.5)
		}
		near(t, "d rsqrt", tensors.MustCopyFlatData[float64](out), want)
	})
}

// TestEmulations checks Reverse and Pad on a backend without those ops.
func TestEmulations(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		if be.Capabilities().Operations[backends.OpTypeReverse] || be.Capabilities().Operations[backends.OpTypePad] {
			t.Skip("this backend has Reverse and Pad natively: nothing is emulated")
		}
		x := []float64{1, 2, 3, 4, 5, 6}
		out := graph.MustExecOnceN(be, func(x *graph.Node) []*graph.Node {
			return []*graph.Node{grads.Reverse(x, 0, 1), grads.Pad(x, [2]int{1, 0}, [2]int{0, 2})}
		}, tensors.FromFlatDataAndDimensions(x, 2, 3))
		near(t, "reverse", tensors.MustCopyFlatData[float64](out[0]), []float64{6, 5, 4, 3, 2, 1})
		if d := out[1].Shape().Dimensions; d[0] != 3 || d[1] != 5 {
			t.Fatalf("pad shape %v", d)
		}
		near(t, "pad", tensors.MustCopyFlatData[float64](out[1]), []float64{0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0})
	})
}
