package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpF32 checks that the float32 Exp loop gives exactly the generated
// loop's values, with values the assembly leaves to it (large, NaN, -1e9 as
// masked attention logits) at every position and tails of every length.
func TestExpF32(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 3, 63, 64, 65, 67, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 10)
			if r.IntN(10) == 0 {
				x[i] = []float32{-1e9, 100, float32(math.NaN()), float32(math.Inf(-1)), -87.2}[r.IntN(5)]
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		expF32(x, got)
		unExp0(x, want)
		for i := range x {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: exp(%g) = %g, want %g", n, x[i], got[i], want[i])
			}
		}
	}
}
