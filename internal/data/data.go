package data

import (
	"fmt"
	"math"
	"math/bits"
)

// Info describes a dataset's examples without loading them.
type Info struct {
	Shape      []int // per-example input shape, e.g. [28 28 1]
	NumClasses int   // number of classes of a classification dataset; 0 for regression
	TargetDim  int   // regression targets per example; 0 for classification
	Validation bool  // the dataset has its own validation examples
}

// Classification reports whether examples are labelled with classes.
func (i Info) Classification() bool { return i.NumClasses > 0 }

// ExampleSize is the number of input values per example.
func (i Info) ExampleSize() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// Split is a set of examples in memory: inputs, and labels or targets.
type Split struct {
	N       int
	Shape   []int     // per-example input shape
	X       []float32 // N × prod(Shape) input values, row-major
	Labels  []int32   // N class labels (classification), else nil
	Targets []float32 // N × TargetDim targets (regression), else nil
}

// ExampleSize is the number of input values per example.
func (s *Split) ExampleSize() int { return Info{Shape: s.Shape}.ExampleSize() }

// TargetDim is the number of regression targets per example (0 if none).
func (s *Split) TargetDim() int {
	if s.N == 0 || s.Targets == nil {
		return 0
	}
	return len(s.Targets) / s.N
}

// Slice returns examples [from, to) of s, sharing its memory.
func (s *Split) Slice(from, to int) *Split {
	if from < 0 || to > s.N || from > to {
		panic(fmt.Sprintf("data: Slice(%d, %d) of %d examples", from, to, s.N))
	}
	es, td := s.ExampleSize(), s.TargetDim()
	out := &Split{N: to - from, Shape: s.Shape, X: s.X[from*es : to*es]}
	if s.Labels != nil {
		out.Labels = s.Labels[from:to]
	}
	if s.Targets != nil {
		out.Targets = s.Targets[from*td : to*td]
	}
	return out
}

// Head returns the first n examples of s (all of them if n is 0 or more than s holds).
func (s *Split) Head(n int) *Split {
	if n <= 0 || n >= s.N {
		return s
	}
	return s.Slice(0, n)
}

// Gather copies the examples idx into x (len(idx) × ExampleSize) and into
// labels or targets, whichever s has; buffers are reused by the caller.
func (s *Split) Gather(idx []int, x []float32, labels []int32, targets []float32) {
	es, td := s.ExampleSize(), s.TargetDim()
	for i, j := range idx {
		copy(x[i*es:(i+1)*es], s.X[j*es:(j+1)*es])
		if s.Labels != nil {
			labels[i] = s.Labels[j]
		}
		if s.Targets != nil {
			copy(targets[i*td:(i+1)*td], s.Targets[j*td:(j+1)*td])
		}
	}
}

// Set is a loaded dataset: training examples and, optionally, validation ones.
type Set struct {
	Info
	Name  string
	Train *Split
	Val   *Split             // nil when there is no validation data
	Meta  map[string]float64 // facts about the data, e.g. a synthetic set's true parameters
}

// Limit keeps the first trainN training and valN validation examples (0 keeps all).
func (s *Set) Limit(trainN, valN int) {
	s.Train = s.Train.Head(trainN)
	if s.Val != nil {
		s.Val = s.Val.Head(valN)
	}
}

// HoldOut replaces the validation split by the last fraction frac of the
// training examples, as Keras's validation_split does.
func (s *Set) HoldOut(frac float64) error {
	nVal := int(float64(s.Train.N) * frac)
	if nVal < 1 || nVal >= s.Train.N {
		return fmt.Errorf("validation_split %g of %d training examples leaves %d for validation and %d for training",
			frac, s.Train.N, nVal, s.Train.N-nVal)
	}
	split := s.Train.N - nVal
	s.Val = s.Train.Slice(split, s.Train.N)
	s.Train = s.Train.Slice(0, split)
	return nil
}

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
