package search

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/exp-runner/exp/internal/rng"
)

// Kind is the kind of a parameter.
type Kind int

// The kinds of parameters.
const (
	Uniform     Kind = iota // a float in [Lo, Hi]
	LogUniform              // a float in [Lo, Hi], Lo > 0, searched in log space
	Int                     // an integer in [Lo, Hi]
	Categorical             // a choice index in [0, Choices)
)

// String returns the kind's name as written in a sweep.
func (k Kind) String() string {
	switch k {
	case Uniform:
		return "uniform"
	case LogUniform:
		return "loguniform"
	case Int:
		return "int"
	case Categorical:
		return "choice"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Param is one parameter of a search space.
type Param struct {
	Name    string
	Kind    Kind
	Lo, Hi  float64 // bounds of Uniform, LogUniform and Int parameters
	Choices int     // number of choices of a Categorical parameter
}

// Discrete reports whether the parameter takes finitely many values.
func (p Param) Discrete() bool { return p.Kind == Int || p.Kind == Categorical }

// Size is the number of values of a discrete parameter.
func (p Param) Size() int {
	if p.Kind == Categorical {
		return p.Choices
	}
	return int(p.Hi-p.Lo) + 1
}

// Space is an ordered list of parameters. A point of the space is a
// []float64 with one value per parameter: the number itself, or the index
// of the choice for a Categorical parameter.
type Space []Param

// Validate reports the first malformed parameter.
func (s Space) Validate() error {
	if len(s) == 0 {
		return errors.New("search: empty space")
	}
	for _, p := range s {
		bad := math.IsNaN(p.Lo) || math.IsNaN(p.Hi) || math.IsInf(p.Lo, 0) || math.IsInf(p.Hi, 0) || p.Lo > p.Hi
		switch {
		case p.Kind == Categorical && p.Choices < 1:
			return fmt.Errorf("search: parameter %q: %d choices", p.Name, p.Choices)
		case p.Kind != Categorical && bad:
			return fmt.Errorf("search: parameter %q: bad bounds [%g, %g]", p.Name, p.Lo, p.Hi)
		case p.Kind == LogUniform && p.Lo <= 0:
			return fmt.Errorf("search: parameter %q: log-uniform needs bounds > 0, got %g", p.Name, p.Lo)
		case p.Kind == Int && (p.Lo != math.Trunc(p.Lo) || p.Hi != math.Trunc(p.Hi)):
			return fmt.Errorf("search: parameter %q: integer bounds [%g, %g]", p.Name, p.Lo, p.Hi)
		case p.Kind < Uniform || p.Kind > Categorical:
			return fmt.Errorf("search: parameter %q: unknown kind %d", p.Name, int(p.Kind))
		}
	}
	return nil
}

// check reports whether x is a point of the space: one value per
// parameter, a choice index or an integer where the parameter needs one.
// Numbers outside the bounds are accepted (a sweep's bounds may have been
// edited since a trial ran).
func (s Space) check(x []float64) error {
	if len(x) != len(s) {
		return fmt.Errorf("%d values for %d parameters", len(x), len(s))
	}
	for i, p := range s {
		v := x[i]
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("parameter %q: value %g", p.Name, v)
		case p.Kind == Categorical && (v != math.Trunc(v) || v < 0 || v >= float64(p.Choices)):
			return fmt.Errorf("parameter %q: choice %g is not one of 0..%d", p.Name, v, p.Choices-1)
		case p.Kind == Int && v != math.Trunc(v):
			return fmt.Errorf("parameter %q: %g is not an integer", p.Name, v)
		case p.Kind == LogUniform && v <= 0:
			return fmt.Errorf("parameter %q: log-uniform value %g", p.Name, v)
		}
	}
	return nil
}

// Size returns the number of points of a space whose parameters are all
// discrete, and false if a parameter is continuous.
func (s Space) Size() (float64, bool) {
	n := 1.0
	for _, p := range s {
		if !p.Discrete() {
			return math.Inf(1), false
		}
		n *= float64(p.Size())
	}
	return n, true
}

// draw returns a uniformly random point, drawing the parameters in order
// exactly as plan's random search does.
func (s Space) draw(rng *rng.Rand) []float64 {
	x := make([]float64, len(s))
	for i, p := range s {
		switch p.Kind {
		case Categorical:
			x[i] = float64(rng.IntN(p.Choices))
		case Int:
			x[i] = p.Lo + float64(rng.IntN(int(p.Hi-p.Lo)+1))
		case Uniform:
			x[i] = rng.Uniform(p.Lo, p.Hi)
		case LogUniform:
			// exp(log(v)) can miss v by an ulp: keep the draw in bounds.
			x[i] = math.Min(math.Max(rng.LogUniform(p.Lo, p.Hi), p.Lo), p.Hi)
		}
	}
	return x
}

// maxShuffledGrid is the largest discrete space random search shuffles as
// a whole; above it, it draws points and skips repeats.
const maxShuffledGrid = 1e6

// RandomStartup returns the draw function of plan's random search with the
// given seed: its k-th result is the k-th trial that random search draws
// (before plan rounds floats to 6 significant digits), from one generator,
// rng.New(seed, rng.RandomSearch):
//
//   - with a continuous parameter: parameters drawn in order, trial after
//     trial;
//   - all discrete, at most 10⁶ points: a Fisher–Yates shuffle (from the
//     last point down) of the grid, the first parameter outermost;
//   - all discrete, more points: draws as above, skipping repeats.
//
// It is a pure function of k (it replays the draws, or shuffles the grid
// once, on first use).
func RandomStartup(space Space, seed int64) func(k int) ([]float64, error) {
	if n, discrete := space.Size(); discrete && n <= maxShuffledGrid {
		var once sync.Once
		var grid [][]float64
		return func(k int) ([]float64, error) {
			once.Do(func() { grid = shuffledGrid(space, seed) })
			if k < 0 || k >= len(grid) {
				return nil, fmt.Errorf("search: random draw %d of a %d-point space: %w", k, len(grid), ErrExhausted)
			}
			return slices.Clone(grid[k]), nil
		}
	}
	_, discrete := space.Size()
	return func(k int) ([]float64, error) {
		rng := rng.New(uint64(seed), rng.RandomSearch)
		seen := map[string]bool{}
		var x []float64
		for i := 0; i <= k; {
			x = space.draw(rng)
			if discrete && seen[key(x)] {
				continue
			}
			seen[key(x)] = true
			i++
		}
		return x, nil
	}
}

// shuffledGrid returns every point of an all-discrete space in the order
// plan's random search visits them.
func shuffledGrid(space Space, seed int64) [][]float64 {
	all := [][]float64{nil}
	for _, p := range space {
		var next [][]float64
		for _, prefix := range all {
			for v := range p.Size() {
				val := float64(v)
				if p.Kind == Int {
					val += p.Lo
				}
				next = append(next, append(slices.Clone(prefix), val))
			}
		}
		all = next
	}
	rng.New(uint64(seed), rng.RandomSearch).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}
