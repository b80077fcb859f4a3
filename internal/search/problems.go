package search

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// Problem is a known function to minimise on a box, for measuring a
// sampler.
type Problem struct {
	Name  string
	Space Space
	F     func(x []float64) float64
	Min   float64 // the global minimum
}

// Problems are the benchmark functions: Branin (2-D), Hartmann-6 (6-D),
// Rosenbrock (5-D, on [-2, 2]⁵).
func Problems() []Problem { return []Problem{branin, hartmann6, rosenbrock5} }

func box(n int, lo, hi float64) Space {
	s := make(Space, n)
	for i := range s {
		s[i] = Param{Name: "x" + string(rune('1'+i)), Kind: Uniform, Lo: lo, Hi: hi}
	}
	return s
}

var branin = Problem{
	Name:  "Branin (2-D)",
	Space: Space{{Name: "x1", Kind: Uniform, Lo: -5, Hi: 10}, {Name: "x2", Kind: Uniform, Lo: 0, Hi: 15}},
	F: func(x []float64) float64 {
		b, c, t := 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 1/(8*math.Pi)
		u := x[1] - b*x[0]*x[0] + c*x[0] - 6
		return u*u + 10*(1-t)*math.Cos(x[0]) + 10
	},
	Min: 0.397887,
}

var hartmann6 = Problem{
	Name:  "Hartmann-6 (6-D)",
	Space: box(6, 0, 1),
	F: func(x []float64) float64 {
		alpha := []float64{1.0, 1.2, 3.0, 3.2}
		a := [4][6]float64{
			{10, 3, 17, 3.5, 1.7, 8},
			{0.05, 10, 17, 0.1, 8, 14},
			{3, 3.5, 1.7, 10, 17, 8},
			{17, 8, 0.05, 10, 0.1, 14},
		}
		p := [4][6]float64{
			{1312, 1696, 5569, 124, 8283, 5886},
			{2329, 4135, 8307, 3736, 1004, 9991},
			{2348, 1451, 3522, 2883, 3047, 6650},
			{4047, 8828, 8732, 5743, 1091, 381},
		}
		s := 0.0
		for i := range 4 {
			e := 0.0
			for j := range 6 {
				d := x[j] - p[i][j]*1e-4
				e += a[i][j] * d * d
			}
			s += alpha[i] * math.Exp(-e)
		}
		return -s
	},
	Min: -3.32237,
}

var rosenbrock5 = Problem{
	Name:  "Rosenbrock (5-D)",
	Space: box(5, -2, 2),
	F: func(x []float64) float64 {
		s := 0.0
		for i := 0; i+1 < len(x); i++ {
			a, b := x[i+1]-x[i]*x[i], 1-x[i]
			s += 100*a*a + b*b
		}
		return s
	},
	Min: 0,
}

// BestSoFar minimises pr.F for budget trials through Propose, with nStartup
// random trials first (nStartup = budget is random search), and returns the
// best value after each trial. With workers > 1 it simulates that many
// parallel workers: each proposal sees the previous workers-1 trials as
// running (the constant liar).
func BestSoFar(pr Problem, seed int64, budget, nStartup, workers int) ([]float64, error) {
	var hist []Trial
	best := make([]float64, budget)
	cfg := Config{Seed: seed, NStartup: nStartup, Direction: Minimize}
	for k := range budget {
		seen := slices.Clone(hist)
		for i := max(0, k-workers+1); i < k; i++ {
			seen[i] = Trial{Params: hist[i].Params, State: Running}
		}
		x, err := Propose(pr.Space, seen, k, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s seed %d proposal %d: %w", pr.Name, seed, k, err)
		}
		v := pr.F(x)
		hist = append(hist, Trial{Params: x, State: Complete, Value: v})
		best[k] = v
		if k > 0 {
			best[k] = min(v, best[k-1])
		}
	}
	return best, nil
}

// Median returns the median of xs (NaN for none).
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Compare prints the median best-so-far of random search, TPE, and TPE
// with 4 simulated parallel workers on each of Problems over seeds
// sampler seeds (1..seeds), after each of checkpoints trials, and returns
// on how many problems TPE's median beats random's at the middle
// checkpoint.
func Compare(w io.Writer, seeds int, checkpoints []int) (wins int, err error) {
	budget := slices.Max(checkpoints)
	fmt.Fprintf(w, "%-18s %-7s", "problem", "method")
	for _, c := range checkpoints {
		fmt.Fprintf(w, " %12s", fmt.Sprintf("@%d", c))
	}
	fmt.Fprintf(w, "   (global min)\n")
	mid := len(checkpoints) / 2
	for _, pr := range Problems() {
		med := map[string][]float64{}
		for _, m := range []struct {
			name              string
			nStartup, workers int
		}{{"random", budget, 1}, {"tpe", DefaultNStartup, 1}, {"tpe-4w", DefaultNStartup, 4}} {
			at := make([][]float64, len(checkpoints))
			for s := range seeds {
				best, err := BestSoFar(pr, int64(s+1), budget, m.nStartup, m.workers)
				if err != nil {
					return 0, err
				}
				for i, c := range checkpoints {
					at[i] = append(at[i], best[c-1])
				}
			}
			fmt.Fprintf(w, "%-18s %-7s", pr.Name, m.name)
			for i := range checkpoints {
				med[m.name] = append(med[m.name], Median(at[i]))
				fmt.Fprintf(w, " %12.4f", Median(at[i]))
			}
			fmt.Fprintf(w, "   (%g)\n", pr.Min)
		}
		if med["tpe"][mid] < med["random"][mid] {
			wins++
		}
	}
	return wins, nil
}
