package search

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/rng"
)

// State is a trial's state as the sampler sees it.
type State int

// The states of a trial.
const (
	Complete State = iota // finished; Value is its best epoch's monitored value
	Failed                // failed or diverged: ranked with the worst value
	Pruned                // stopped early: Value is its value at Epoch
	Running               // not finished: ranked with the worst value (constant liar)
)

// Trial is one record of the history: the point it was given, its state and
// its value.
type Trial struct {
	Params []float64 // one per parameter of the space
	State  State
	Value  float64 // Complete: the trial's value; Pruned: its value at Epoch
	Epoch  int     // Pruned: the last epoch it reached
}

// Direction tells whether lower or higher values are better.
type Direction int

// The directions.
const (
	Minimize Direction = iota
	Maximize
)

// Defaults of Config and the sampler's constants.
const (
	DefaultNStartup = 10  // random proposals before TPE takes over
	Candidates      = 24  // candidates drawn from the good estimator per proposal
	MaxRetries      = 100 // draws of a proposal before giving up on duplicates
)

// Config holds what a proposal depends on besides the space and history.
type Config struct {
	Seed      int64
	NStartup  int // proposals 0..NStartup-1 are Startup's draws
	Direction Direction
	// Startup returns the k-th random draw; nil means RandomStartup(space,
	// Seed). Its points must lie in the space. A draw that repeats a trial
	// of the history is replaced by a TPE proposal (or a uniform draw when
	// no trial has a value yet).
	Startup func(k int) ([]float64, error)
}

// ErrExhausted is wrapped by Propose's error when it finds no point that is
// not already in the history.
var ErrExhausted = errors.New("no untried point left")

// proposalStream is the stream of the generator of proposal k.
const proposalStream = 0x7e9e << 32

// Propose returns proposal number k (from 0) for the space, given the
// history of trials in the order they were recorded. It is a pure
// function of its arguments: see the package documentation.
func Propose(space Space, history []Trial, k int, cfg Config) ([]float64, error) {
	if err := space.Validate(); err != nil {
		return nil, err
	}
	for i, t := range history {
		if err := space.check(t.Params); err != nil {
			return nil, fmt.Errorf("search: trial %d: %w", i, err)
		}
	}
	seen := make(map[string]bool, len(history))
	for _, t := range history {
		seen[key(t.Params)] = true
	}
	if n, discrete := space.Size(); discrete && float64(len(seen)) >= n {
		return nil, fmt.Errorf("search: all %.0f points of the space are tried: %w", n, ErrExhausted)
	}
	if k < cfg.NStartup {
		x, err := startup(space, k, cfg)
		if err != nil || !seen[key(x)] {
			return x, err
		}
	}
	rng := rng.New(uint64(cfg.Seed), proposalStream+uint64(k))
	draw := func() []float64 { return space.draw(rng) }
	if good, bad := split(history, cfg.Direction); good != nil {
		draw = newTPE(space, history, good, bad).propose(rng, seen)
	}
	for range MaxRetries {
		if x := draw(); x != nil && !seen[key(x)] {
			return x, nil
		}
	}
	return nil, fmt.Errorf("search: proposal %d: %d draws all repeat a trial: %w", k, MaxRetries, ErrExhausted)
}

func startup(space Space, k int, cfg Config) ([]float64, error) {
	f := cfg.Startup
	if f == nil {
		f = RandomStartup(space, cfg.Seed)
	}
	x, err := f(k)
	if err != nil {
		return nil, err
	}
	if err := space.check(x); err != nil {
		return nil, fmt.Errorf("search: startup draw %d: %w", k, err)
	}
	return x, nil
}

// key identifies a point exactly.
func key(x []float64) string {
	var b strings.Builder
	for _, v := range x {
		b.WriteString(strconv.FormatUint(math.Float64bits(v), 16))
		b.WriteByte(',')
	}
	return b.String()
}

// rank orders trials best first: complete ones by value; then pruned ones
// by epoch (later first), then value; then failed and running ones, which
// all share the worst value. A complete trial with a NaN value counts as
// failed. Ties keep the history's order.
func rank(history []Trial, dir Direction) []int {
	class := func(t Trial) int {
		switch {
		case t.State == Complete && !math.IsNaN(t.Value):
			return 0
		case t.State == Pruned && !math.IsNaN(t.Value):
			return 1
		}
		return 2
	}
	better := func(a, b float64) int {
		if dir == Maximize {
			a, b = b, a
		}
		return cmpFloat(a, b)
	}
	order := make([]int, len(history))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := history[i], history[j]
		ca, cb := class(a), class(b)
		switch {
		case ca != cb:
			return ca - cb
		case ca == 2:
			return 0
		case ca == 1 && a.Epoch != b.Epoch:
			return b.Epoch - a.Epoch
		}
		return better(a.Value, b.Value)
	})
	return order
}

// gamma is the size of the good group among n trials (Optuna's default).
func gamma(n int) int { return min(int(math.Ceil(0.1*float64(n))), 25) }

// split returns the good and bad groups (indices into history, in history
// order), or nil if no trial has a value: then TPE has nothing to go on.
func split(history []Trial, dir Direction) (good, bad []int) {
	order := rank(history, dir)
	if len(order) == 0 {
		return nil, nil
	}
	if t := history[order[0]]; (t.State != Complete && t.State != Pruned) || math.IsNaN(t.Value) {
		return nil, nil
	}
	n := gamma(len(order))
	good, bad = slices.Clone(order[:n]), slices.Clone(order[n:])
	slices.Sort(good)
	slices.Sort(bad)
	return good, bad
}

// weights returns the weights of n observations in history order: older
// ones ramp down once there are more than 25 (Optuna's default).
func weights(n int) []float64 {
	w := make([]float64, n)
	flat := 25
	for i := range w {
		w[i] = 1
		if ramp := n - flat; n > flat && i < ramp {
			w[i] = 1/float64(n) + (1-1/float64(n))*float64(i)/float64(max(ramp-1, 1))
		}
	}
	return w
}

// tpe holds the good (l) and bad (g) estimators of each parameter.
type tpe struct {
	space Space
	l, g  []estimator
}

func newTPE(space Space, history []Trial, good, bad []int) *tpe {
	e := &tpe{space: space, l: make([]estimator, len(space)), g: make([]estimator, len(space))}
	fit := func(p int, idx []int) estimator {
		xs := make([]float64, len(idx))
		for j, i := range idx {
			xs[j] = history[i].Params[p]
		}
		return newEstimator(space[p], xs, weights(len(idx)))
	}
	for p := range space {
		e.l[p], e.g[p] = fit(p, good), fit(p, bad)
	}
	return e
}

// maxCombos bounds the combinations of candidates tried per draw.
const maxCombos = 4096

// propose returns a draw function. Each call draws Candidates values per
// parameter from l and scores each by l/g; it returns the combination of
// candidates with the highest score (the product of its parameters'
// scores, so each parameter's best candidate when that point is new) that
// seen does not hold, or nil if none of the first maxCombos is new.
func (e *tpe) propose(rng *rng.Rand, seen map[string]bool) func() []float64 {
	return func() []float64 {
		cands := make([][]scored, len(e.space))
		for p := range e.space {
			cands[p] = e.candidates(p, rng)
		}
		return bestNew(cands, seen)
	}
}

// scored is a candidate value and its log l/g.
type scored struct{ x, s float64 }

// candidates draws Candidates values of parameter p from l and returns the
// distinct ones, best score first.
func (e *tpe) candidates(p int, rng *rng.Rand) []scored {
	if prm := e.space[p]; prm.Kind != Categorical && prm.Lo == prm.Hi {
		return []scored{{prm.Lo, 0}}
	}
	var out []scored
	for range Candidates {
		c := e.l[p].sample(rng)
		if !slices.ContainsFunc(out, func(o scored) bool { return o.x == c }) {
			out = append(out, scored{c, e.l[p].logPDF(c) - e.g[p].logPDF(c)})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return cmpFloat(b.s, a.s) })
	return out
}
