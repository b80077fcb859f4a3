package data

import (
	"math"
	"math/bits"
)

// Rand is a small deterministic random number generator (PCG-XSL-RR 128/64),
// defined here rather than taken from math/rand so that a seed's sequence can
// never change under the project: stored runs stay reproducible.
type Rand struct {
	hi, lo uint64
}

const (
	pcgMulHi = 2549297995355413924
	pcgMulLo = 4865540595714422341
	pcgIncHi = 6364136223846793005
	pcgIncLo = 1442695040888963407
)

// NewRand returns a generator seeded from seed and stream.
func NewRand(seed, stream uint64) *Rand {
	r := &Rand{hi: seed ^ 0x9e3779b97f4a7c15, lo: stream*0xbf58476d1ce4e5b9 + 1}
	for range 4 {
		r.Uint64()
	}
	return r
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	// state = state * mul + inc (128-bit arithmetic)
	hi, lo := bits.Mul64(r.lo, pcgMulLo)
	hi += r.hi*pcgMulLo + r.lo*pcgMulHi
	lo, c := bits.Add64(lo, pcgIncLo, 0)
	hi, _ = bits.Add64(hi, pcgIncHi, c)
	r.hi, r.lo = hi, lo
	// XSL-RR output.
	return bits.RotateLeft64(hi^lo, -int(hi>>58))
}

// IntN returns a uniform integer in [0, n), n > 0, without modulo bias.
func (r *Rand) IntN(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), un)
		}
	}
	return int(hi)
}

// Float64 returns a uniform float in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// NormFloat64 returns a standard normal value (Box–Muller).
func (r *Rand) NormFloat64() float64 {
	for {
		u1 := r.Float64()
		if u1 == 0 {
			continue
		}
		u2 := r.Float64()
		return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	}
}

// Permutation returns the order in which epoch (1-based) of a run seeded with
// seed visits n examples: a Fisher–Yates shuffle driven by Rand, a function of
// (seed, epoch, n) alone.
func Permutation(seed int64, epoch, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r := NewRand(uint64(seed), uint64(epoch))
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
