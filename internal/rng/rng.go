package rng

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

// RandomSearch is the stream that random search draws a sweep's trials from,
// with the sweep's seed: plan draws them, and search replays the same draws
// for a tpe sweep's startup trials.
const RandomSearch = 0x5eed

// New returns a generator seeded from seed and stream.
func New(seed, stream uint64) *Rand {
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

// Uniform returns a uniform float in [lo, hi): lo + (hi-lo)·Float64().
func (r *Rand) Uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// LogUniform returns a float whose logarithm is uniform in
// [log lo, log hi), lo > 0. Rounding may put it an ulp outside [lo, hi].
func (r *Rand) LogUniform(lo, hi float64) float64 {
	return math.Exp(r.Uniform(math.Log(lo), math.Log(hi)))
}

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

// Shuffle shuffles n elements (Fisher–Yates, from the last element down):
// for i from n-1 to 1 it calls swap(i, j) with j = IntN(i+1).
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.IntN(i+1))
	}
}
