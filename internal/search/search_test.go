package search

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/exp-runner/exp/internal/rng"
)

// minimise runs budget proposals of Propose on f and returns the history.
func minimise(t *testing.T, space Space, f func([]float64) float64, budget int, cfg Config) []Trial {
	t.Helper()
	var hist []Trial
	for k := range budget {
		x, err := Propose(space, hist, k, cfg)
		if err != nil {
			t.Fatalf("proposal %d: %v", k, err)
		}
		hist = append(hist, Trial{Params: x, State: Complete, Value: f(x)})
	}
	return hist
}

// within counts the trials from index from whose parameter p is within d of
// want (in the parameter's own units, or log10 units if logScale).
func within(hist []Trial, from, p int, want, d float64, logScale bool) int {
	n := 0
	for _, tr := range hist[from:] {
		x := tr.Params[p]
		if logScale {
			x, want2 := math.Log10(x), math.Log10(want)
			if math.Abs(x-want2) <= d {
				n++
			}
			continue
		}
		if math.Abs(x-want) <= d {
			n++
		}
	}
	return n
}

func TestTPEConcentratesNearOptimum(t *testing.T) {
	tests := []struct {
		name     string
		param    Param
		f        func(x float64) float64
		dir      Direction
		opt, d   float64
		logScale bool
		minShare float64 // share of the last 30 proposals within d of opt
		randP    float64 // probability of that for a uniform draw
	}{
		{"uniform quadratic", Param{Name: "x", Kind: Uniform, Lo: -2, Hi: 2}, func(x float64) float64 { return (x - 0.3) * (x - 0.3) }, Minimize, 0.3, 0.5, false, 0.6, 0.25},
		{"maximise", Param{Name: "x", Kind: Uniform, Lo: -2, Hi: 2}, func(x float64) float64 { return -(x + 1) * (x + 1) }, Maximize, -1, 0.5, false, 0.6, 0.25},
		{"log-uniform", Param{Name: "lr", Kind: LogUniform, Lo: 1e-6, Hi: 1}, func(x float64) float64 { l := math.Log10(x) + 3; return l * l }, Minimize, 1e-3, 0.75, true, 0.6, 0.25},
		{"int", Param{Name: "n", Kind: Int, Lo: 0, Hi: 100}, func(x float64) float64 { return math.Abs(x - 70) }, Minimize, 70, 12, false, 0.6, 0.25},
		{"categorical", Param{Name: "c", Kind: Categorical, Choices: 8}, func(x float64) float64 { return math.Abs(x - 5) }, Minimize, 5, 0, false, 0.5, 0.125},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A second, irrelevant parameter keeps discrete spaces from running out.
			space := Space{tc.param, {Name: "noise", Kind: Uniform, Lo: 0, Hi: 1}}
			f := func(x []float64) float64 { return tc.f(x[0]) }
			hist := minimise(t, space, f, 80, Config{Seed: 7, NStartup: 10, Direction: tc.dir})
			n := within(hist, 50, 0, tc.opt, tc.d, tc.logScale)
			share := float64(n) / 30
			t.Logf("%.0f%% of the last 30 proposals within %g of %g", 100*share, tc.d, tc.opt)
			if share < tc.minShare {
				t.Errorf("%.0f%% of the last 30 proposals within %g of %g (uniform draws: %.0f%%)", 100*share, tc.d, tc.opt, 100*tc.randP)
			}
		})
	}
}

func TestProposeIsDeterministic(t *testing.T) {
	space := Space{
		{Name: "lr", Kind: LogUniform, Lo: 1e-5, Hi: 1e-1},
		{Name: "units", Kind: Int, Lo: 16, Hi: 512},
		{Name: "act", Kind: Categorical, Choices: 3},
	}
	f := func(x []float64) float64 { return math.Abs(math.Log10(x[0])+3) + math.Abs(x[1]-128)/100 + x[2] }
	cfg := Config{Seed: 3, NStartup: 5}
	a := minimise(t, space, f, 30, cfg)
	b := minimise(t, space, f, 30, cfg)
	for k := range a {
		if !slices.Equal(a[k].Params, b[k].Params) {
			t.Fatalf("proposal %d differs between runs: %v vs %v", k, a[k].Params, b[k].Params)
		}
	}
	// Resuming: proposal k from the recorded history equals the original one.
	hist := slices.Clone(a[:20])
	x, err := Propose(space, hist, 20, cfg)
	if err != nil || !slices.Equal(x, a[20].Params) {
		t.Fatalf("resumed proposal 20 = %v, %v; want %v", x, err, a[20].Params)
	}
	if !slices.EqualFunc(hist, a[:20], func(p, q Trial) bool { return slices.Equal(p.Params, q.Params) && p.Value == q.Value }) {
		t.Fatal("Propose modified the history")
	}
	// Another seed gives other proposals.
	c := minimise(t, space, f, 30, Config{Seed: 4, NStartup: 5})
	if slices.Equal(a[25].Params, c[25].Params) {
		t.Fatalf("seeds 3 and 4 both propose %v", a[25].Params)
	}
}

func TestStartupIsRandomSearch(t *testing.T) {
	space := Space{
		{Name: "lr", Kind: LogUniform, Lo: 1e-4, Hi: 1},
		{Name: "drop", Kind: Uniform, Lo: 0, Hi: 0.5},
		{Name: "units", Kind: Int, Lo: 1, Hi: 4},
		{Name: "act", Kind: Categorical, Choices: 3},
	}
	// plan's random search: one generator, axes drawn in order, trial after trial.
	rng := rng.New(11, rng.RandomSearch)
	var want [][]float64
	for range 8 {
		lr := math.Exp(math.Log(1e-4) + (math.Log(1)-math.Log(1e-4))*rng.Float64())
		drop := 0.5 * rng.Float64()
		units := 1 + float64(rng.IntN(4))
		act := float64(rng.IntN(3))
		want = append(want, []float64{lr, drop, units, act})
	}
	hist := minimise(t, space, func(x []float64) float64 { return x[1] }, 8, Config{Seed: 11, NStartup: 6})
	for k := range 6 {
		if !slices.Equal(hist[k].Params, want[k]) {
			t.Errorf("startup proposal %d = %v, random search draws %v", k, hist[k].Params, want[k])
		}
	}
	if slices.Equal(hist[6].Params, want[6]) {
		t.Errorf("proposal 6 is still random search's draw")
	}
	// A caller-supplied draw is used as given.
	hook := func(k int) ([]float64, error) { return []float64{1e-3, 0.25, float64(k%4 + 1), 2}, nil }
	x, err := Propose(space, nil, 2, Config{NStartup: 6, Startup: hook})
	if err != nil || !slices.Equal(x, []float64{1e-3, 0.25, 3, 2}) {
		t.Errorf("with a Startup hook: %v, %v", x, err)
	}
	if _, err := Propose(space, nil, 0, Config{NStartup: 6, Startup: func(int) ([]float64, error) { return []float64{1}, nil }}); err == nil {
		t.Error("a startup draw of the wrong length was accepted")
	}
}

func TestNoDuplicatesUntilExhausted(t *testing.T) {
	space := Space{{Name: "layers", Kind: Int, Lo: 1, Hi: 3}, {Name: "opt", Kind: Categorical, Choices: 4}}
	f := func(x []float64) float64 { return math.Abs(x[0]-2) + math.Abs(x[1]-1) }
	for _, nStartup := range []int{0, 3} {
		hist := minimise(t, space, f, 12, Config{Seed: 5, NStartup: nStartup})
		seen := map[[2]float64]bool{}
		for k, tr := range hist {
			p := [2]float64{tr.Params[0], tr.Params[1]}
			if seen[p] {
				t.Fatalf("n_startup %d: proposal %d repeats %v", nStartup, k, p)
			}
			seen[p] = true
		}
		if _, err := Propose(space, hist, 12, Config{Seed: 5, NStartup: nStartup}); !errors.Is(err, ErrExhausted) {
			t.Errorf("n_startup %d: proposal 12 of a 12-point space: err %v, want ErrExhausted", nStartup, err)
		}
	}
	// A running trial's point is taken too.
	hist := []Trial{{Params: []float64{1}, State: Running}, {Params: []float64{2}, State: Failed}}
	x, err := Propose(Space{{Name: "n", Kind: Int, Lo: 1, Hi: 3}}, hist, 2, Config{})
	if err != nil || x[0] != 3 {
		t.Errorf("with 1 running and 2 failed of {1,2,3}: %v, %v; want [3]", x, err)
	}
}

// grid1 returns n complete trials of f at evenly spaced points of [0, 1].
func grid1(n int, f func(float64) float64) []Trial {
	var h []Trial
	for i := range n {
		x := (float64(i) + 0.5) / float64(n)
		h = append(h, Trial{Params: []float64{x}, State: Complete, Value: f(x)})
	}
	return h
}

// near counts, over 200 proposals from hist, those within d of x0.
func near(t *testing.T, hist []Trial, x0, d float64) int {
	t.Helper()
	space := Space{{Name: "x", Kind: Uniform, Lo: 0, Hi: 1}}
	n := 0
	for k := range 200 {
		x, err := Propose(space, hist, 1000+k, Config{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(x[0]-x0) <= d {
			n++
		}
	}
	return n
}

func TestRunningTrialsShiftProposals(t *testing.T) {
	f := func(x float64) float64 { return (x - 0.5) * (x - 0.5) }
	done := grid1(20, f)
	running := slices.Clone(done)
	for range 4 {
		running = append(running, Trial{Params: []float64{0.5}, State: Running})
	}
	without, with := near(t, done, 0.5, 0.02), near(t, running, 0.5, 0.02)
	t.Logf("proposals within 0.02 of 0.5: %d of 200 without running trials, %d with", without, with)
	if with*3 > without*2 {
		t.Errorf("proposals within 0.02 of 4 running trials at 0.5: %d of 200, %d without them: want at most 2/3", with, without)
	}
}

func TestFailedTrialsRankWorst(t *testing.T) {
	f := func(x float64) float64 { return (x - 0.5) * (x - 0.5) }
	done := grid1(20, f)
	failed := slices.Clone(done)
	for i := range failed {
		if math.Abs(failed[i].Params[0]-0.5) < 0.1 {
			// A failed trial's value (here the best of all) must not count.
			failed[i].State, failed[i].Value = Failed, -1
		}
	}
	before, after := near(t, done, 0.5, 0.1), near(t, failed, 0.5, 0.1)
	t.Logf("proposals within 0.1 of 0.5: %d of 200 before, %d after", before, after)
	if after*2 > before {
		t.Errorf("proposals within 0.1 of 0.5: %d of 200; %d once the trials there failed: want at most half", before, after)
	}
}

func TestRank(t *testing.T) {
	hist := []Trial{
		{State: Failed, Value: -100},                  // 0
		{State: Complete, Value: 3},                   // 1
		{State: Pruned, Value: 0.5, Epoch: 2},         // 2
		{State: Running},                              // 3
		{State: Complete, Value: 1},                   // 4
		{State: Pruned, Value: 0.1, Epoch: 1},         // 5
		{State: Pruned, Value: 0.7, Epoch: 2},         // 6
		{State: Complete, Value: math.NaN()},          // 7
		{State: Complete, Value: 2},                   // 8
		{State: Pruned, Value: math.Inf(1), Epoch: 3}, // 9
	}
	tests := []struct {
		dir  Direction
		want []int
	}{
		{Minimize, []int{4, 8, 1, 9, 2, 6, 5, 0, 3, 7}},
		{Maximize, []int{1, 8, 4, 9, 6, 2, 5, 0, 3, 7}},
	}
	for _, tc := range tests {
		if got := rank(hist, tc.dir); !slices.Equal(got, tc.want) {
			t.Errorf("direction %d: rank %v, want %v", tc.dir, got, tc.want)
		}
	}
}

func TestProposeErrors(t *testing.T) {
	ok := Space{{Name: "x", Kind: Uniform, Lo: 0, Hi: 1}}
	tests := []struct {
		name  string
		space Space
		hist  []Trial
	}{
		{"empty space", Space{}, nil},
		{"reversed bounds", Space{{Name: "x", Kind: Uniform, Lo: 1, Hi: 0}}, nil},
		{"log of zero", Space{{Name: "x", Kind: LogUniform, Lo: 0, Hi: 1}}, nil},
		{"no choices", Space{{Name: "x", Kind: Categorical}}, nil},
		{"fractional int", Space{{Name: "x", Kind: Int, Lo: 0.5, Hi: 3}}, nil},
		{"trial of the wrong size", ok, []Trial{{Params: []float64{1, 2}, State: Complete}}},
		{"choice out of range", Space{{Name: "c", Kind: Categorical, Choices: 2}}, []Trial{{Params: []float64{2}, State: Complete}}},
		{"fractional choice", Space{{Name: "c", Kind: Categorical, Choices: 2}}, []Trial{{Params: []float64{0.5}, State: Complete}}},
		{"NaN value", ok, []Trial{{Params: []float64{math.NaN()}, State: Complete}}},
	}
	for _, tc := range tests {
		if _, err := Propose(tc.space, tc.hist, 0, Config{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestDegenerateAndOutOfBounds(t *testing.T) {
	space := Space{
		{Name: "fixed", Kind: Uniform, Lo: 0.1, Hi: 0.1},
		{Name: "lr", Kind: LogUniform, Lo: 0.1, Hi: 0.1},
		{Name: "one", Kind: Int, Lo: 3, Hi: 3},
		{Name: "x", Kind: Uniform, Lo: 0, Hi: 1},
	}
	// One trial lies outside today's bounds: the sweep's range was edited.
	hist := []Trial{{Params: []float64{0.1, 0.1, 3, 1.5}, State: Complete, Value: 0}}
	hist = append(hist, minimise(t, space, func(x []float64) float64 { return x[3] }, 20, Config{Seed: 2, NStartup: 5})...)
	x, err := Propose(space, hist, 21, Config{Seed: 2, NStartup: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range append(hist[1:], Trial{Params: x}) {
		p := tr.Params
		if p[0] != 0.1 || p[1] != 0.1 || p[2] != 3 || p[3] < 0 || p[3] > 1 {
			t.Fatalf("proposal %v outside the space", p)
		}
	}
}
