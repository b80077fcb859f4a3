package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowReductions checks MaxF32 and SumF32 against plain loops over the
// part they cover, for lengths with and without a tail.
func TestRowReductions(t *testing.T) {
	if !HasAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{32, 33, 64, 100, 128, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 100)
		}
		m, s := float32(math.Inf(-1)), 0.0
		for _, v := range x[:n&^31] {
			m = max(m, v)
			s += float64(v)
		}
		if got := MaxF32(x); got != m {
			t.Errorf("n=%d: MaxF32 = %g, want %g", n, got, m)
		}
		if got := SumF32(x); math.Abs(float64(got)-s) > 1e-4*math.Abs(s)+1e-3 {
			t.Errorf("n=%d: SumF32 = %g, want %g", n, got, s)
		}
	}
}
