package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

const canary = float32(-12345)

func randomSlice(r *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + r.Float32()*(hi-lo)
	}
	return s
}

// withCanary returns an output slice of n elements whose backing array has canaries after it.
func withCanary(n int) (out, full []float32) {
	full = make([]float32, n+40)
	for i := range full {
		full[i] = canary
	}
	return full[:n], full
}

// check verifies out[:done] against want, and that nothing was written from done on (including past len).
func check(t *testing.T, name string, out, full []float32, done int, want func(i int) float32) {
	t.Helper()
	for i := range done {
		w := want(i)
		if out[i] != w && !(math.IsNaN(float64(out[i])) && math.IsNaN(float64(w))) {
			t.Fatalf("%s: element %d = %g, want %g", name, i, out[i], w)
		}
	}
	for i := done; i < len(full); i++ {
		if full[i] != canary {
			t.Fatalf("%s: element %d written (done=%d, len=%d)", name, i, done, len(out))
		}
	}
}

func TestVec(t *testing.T) {
	if !HasAVX2 || !HasFMA {
		t.Skip("no AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 7, 31, 32, 33, 100, 1000} {
		x := randomSlice(r, n, -5, 5)
		y := randomSlice(r, n, 0.5, 5)
		s := float32(1.75)
		done := n &^ (Block - 1)
		vv := map[string]struct {
			fn func(x, y, out []float32)
			op func(a, b float32) float32
		}{
			"VvAdd": {VvAdd, func(a, b float32) float32 { return a + b }},
			"VvSub": {VvSub, func(a, b float32) float32 { return a - b }},
			"VvMul": {VvMul, func(a, b float32) float32 { return a * b }},
			"VvDiv": {VvDiv, func(a, b float32) float32 { return a / b }},
		}
		for name, c := range vv {
			out, full := withCanary(n)
			c.fn(x, y, out)
			check(t, name, out, full, done, func(i int) float32 { return c.op(x[i], y[i]) })
		}
		vs := map[string]struct {
			fn func(x []float32, s float32, out []float32)
			op func(a, b float32) float32
		}{
			"VsAdd": {VsAdd, func(a, b float32) float32 { return a + b }},
			"VsSub": {VsSub, func(a, b float32) float32 { return a - b }},
			"VsMul": {VsMul, func(a, b float32) float32 { return a * b }},
			"VsDiv": {VsDiv, func(a, b float32) float32 { return a / b }},
			"SvSub": {SvSub, func(a, b float32) float32 { return b - a }},
			"SvDiv": {SvDiv, func(a, b float32) float32 { return b / a }},
			"MaxVS": {MaxVS, func(a, b float32) float32 { return max(a, b) }},
		}
		for name, c := range vs {
			out, full := withCanary(n)
			c.fn(x, s, out)
			check(t, name, out, full, done, func(i int) float32 { return c.op(x[i], s) })
		}
		unary := map[string]struct {
			fn    func(x, out []float32)
			op    func(a float32) float32
			block int
		}{
			"Sqrt": {Sqrt, func(a float32) float32 { return float32(math.Sqrt(float64(a))) }, Block},
			"Neg":  {Neg, func(a float32) float32 { return -a }, Block},
			"Sign": {Sign, func(a float32) float32 {
				switch {
				case a > 0:
					return 1
				case a < 0:
					return -1
				}
				return 0
			}, SignBlock},
		}
		for name, c := range unary {
			out, full := withCanary(n)
			c.fn(y, out)
			check(t, name, out, full, n&^(c.block-1), func(i int) float32 { return c.op(y[i]) })
		}
	}
}

func TestSgemm6x16(t *testing.T) {
	if !HasFMA {
		t.Skip("no FMA")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, kc := range []int{0, 1, 5, 64} {
		a := randomSlice(r, 6*kc, -1, 1)
		b := randomSlice(r, 16*kc, -1, 1)
		const ldc = 20
		for _, accumulate := range []bool{false, true} {
			c := randomSlice(r, 6*ldc, -1, 1)
			orig := append([]float32(nil), c...)
			Sgemm6x16(kc, a, b, c, ldc, accumulate)
			for i := range 6 {
				for j := range ldc {
					if j >= 16 {
						if c[i*ldc+j] != orig[i*ldc+j] {
							t.Fatalf("kc=%d: wrote outside the tile at (%d, %d)", kc, i, j)
						}
						continue
					}
					var want float64
					if accumulate {
						want = float64(orig[i*ldc+j])
					}
					for p := range kc {
						want += float64(a[p*6+i]) * float64(b[p*16+j])
					}
					if math.Abs(float64(c[i*ldc+j])-want) > 1e-4 {
						t.Fatalf("kc=%d accumulate=%v: (%d,%d) = %g, want %g", kc, accumulate, i, j, c[i*ldc+j], want)
					}
				}
			}
		}
	}
}

func TestGerGemvT(t *testing.T) {
	if !HasFMA {
		t.Skip("no FMA")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{16, 32} {
		for _, rows := range []int{0, 1, 2, 3, 28} {
			const stride = 3
			a := randomSlice(r, max(1, rows*stride), -1, 1)
			w := randomSlice(r, n, -1, 1)
			c := randomSlice(r, rows*n, -1, 1)
			orig := append([]float32(nil), c...)
			ger, gemvT := Ger16, GemvT16
			if n == 32 {
				ger, gemvT = Ger32, GemvT32
			}
			ger(a, stride, w, c)
			for i := range rows {
				for j := range n {
					want := orig[i*n+j] + a[i*stride]*w[j]
					if math.Abs(float64(c[i*n+j]-want)) > 1e-5 {
						t.Fatalf("Ger%d rows=%d: (%d,%d) = %g, want %g", n, rows, i, j, c[i*n+j], want)
					}
				}
			}
			acc := randomSlice(r, n, -1, 1)
			accOrig := append([]float32(nil), acc...)
			gemvT(a, stride, orig, acc)
			for j := range n {
				want := float64(accOrig[j])
				for i := range rows {
					want += float64(a[i*stride]) * float64(orig[i*n+j])
				}
				if math.Abs(float64(acc[j])-want) > 1e-4 {
					t.Fatalf("GemvT%d rows=%d: %d = %g, want %g", n, rows, j, acc[j], want)
				}
			}
		}
	}
}

func TestColSum(t *testing.T) {
	if !HasAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range []int{8, 16, 32} {
		fns := map[int]func(in, out []float32){8: ColSum8, 16: ColSum16, 32: ColSum32}
		in := randomSlice(r, p*37, -1, 1)
		out := randomSlice(r, p, -1, 1)
		want := append([]float32(nil), out...)
		for row := range 37 {
			for j := range p {
				want[j] += in[row*p+j]
			}
		}
		fns[p](in, out)
		for j := range p {
			if out[j] != want[j] {
				t.Fatalf("ColSum%d: %d = %g, want %g", p, j, out[j], want[j])
			}
		}
	}
}
