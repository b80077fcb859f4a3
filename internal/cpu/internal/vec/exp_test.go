package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpF32 checks that ExpF32 gives exactly float32(math.Exp) on values
// over the whole fast range and around its bounds, and that it stops before
// a block it cannot take (out of range, NaN).
func TestExpF32(t *testing.T) {
	if !HasAVX2 || !HasFMA {
		t.Skip("no AVX2 and FMA")
	}
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 1<<20)
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = float32(r.Float64()*175 - 87)
		case 1:
			x[i] = float32(r.NormFloat64())
		case 2:
			x[i] = float32(r.Float64()*0.01 - 0.005)
		default:
			x[i] = math.Float32frombits(math.Float32bits(-87) - uint32(r.IntN(1000))) // just inside -87
		}
	}
	out := make([]float32, len(x))
	done, exact := 0, 0
	for done < len(x) {
		n := ExpF32(x[done:], out[done:])
		done += n
		if done < len(x) { // a block it left: compute it as the caller would
			for i := done; i < done+4; i++ {
				out[i] = float32(math.Exp(float64(x[i])))
			}
			done += 4
			exact++
		}
	}
	for i, v := range x {
		if want := float32(math.Exp(float64(v))); out[i] != want {
			t.Fatalf("exp(%g) = %g, math.Exp %g", v, out[i], want)
		}
	}
	if exact > len(x)/4/1000 {
		t.Errorf("%d of %d blocks left to the caller", exact, len(x)/4)
	}
	for _, bad := range []float32{-87.5, 88.5, float32(math.NaN()), float32(math.Inf(1)), -1e9} {
		in := []float32{0, 1, 2, 3, 4, 5, 6, bad, 8, 9, 10, 11}
		if n := ExpF32(in, make([]float32, len(in))); n != 4 {
			t.Errorf("with %g in the second block: %d done, want 4", bad, n)
		}
	}
}

func BenchmarkExpF32(b *testing.B) {
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = -float32(i%1000) / 100
	}
	out := make([]float32, len(x))
	for b.Loop() {
		ExpF32(x, out)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(x)), "ns/value")
}
