package search

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// runSearch minimises pr.f for budget trials with nStartup random trials
// first (nStartup = budget is random search) and returns the best value so
// far after each trial. With workers > 1 it simulates that many parallel
// workers: each proposal sees the previous workers-1 trials as running.
func runSearch(t testing.TB, pr testProblem, seed int64, budget, nStartup, workers int) []float64 {
	var hist []Trial
	best := make([]float64, budget)
	cfg := Config{Seed: seed, NStartup: nStartup, Direction: Minimize}
	for k := range budget {
		seen := slices.Clone(hist)
		for i := max(0, k-workers+1); i < k; i++ {
			seen[i] = Trial{Params: hist[i].Params, State: Running}
		}
		x, err := Propose(pr.space, seen, k, cfg)
		if err != nil {
			t.Fatalf("%s seed %d proposal %d: %v", pr.name, seed, k, err)
		}
		v := pr.f(x)
		hist = append(hist, Trial{Params: x, State: Complete, Value: v})
		best[k] = v
		if k > 0 {
			best[k] = min(v, best[k-1])
		}
	}
	return best
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// TestCompareTPERandom prints the median best-so-far of TPE and random
// search on three known functions over 10 sampler seeds, both driven
// through Propose (random search is Propose with every proposal a startup
// draw). It takes a few seconds; set EXP_SEARCH_BENCH=1 to run it.
func TestCompareTPERandom(t *testing.T) {
	if os.Getenv("EXP_SEARCH_BENCH") == "" {
		t.Skip("set EXP_SEARCH_BENCH=1 to compare TPE and random search")
	}
	const seeds, budget = 10, 100
	checkpoints := []int{20, 50, 100}
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %-7s %12s %12s %12s   (global min)\n", "problem", "method", "@20", "@50", "@100")
	wins := 0
	for _, pr := range []testProblem{branin, hartmann6, rosenbrock5} {
		med := map[string][]float64{}
		for _, m := range []struct {
			name              string
			nStartup, workers int
		}{{"random", budget, 1}, {"tpe", DefaultNStartup, 1}, {"tpe-4w", DefaultNStartup, 4}} {
			at := make([][]float64, len(checkpoints))
			for s := range seeds {
				best := runSearch(t, pr, int64(s+1), budget, m.nStartup, m.workers)
				for i, c := range checkpoints {
					at[i] = append(at[i], best[c-1])
				}
			}
			fmt.Fprintf(&b, "%-18s %-7s", pr.name, m.name)
			for i := range checkpoints {
				med[m.name] = append(med[m.name], median(at[i]))
				fmt.Fprintf(&b, " %12.4f", median(at[i]))
			}
			fmt.Fprintf(&b, "   (%g)\n", pr.min)
		}
		if med["tpe"][1] < med["random"][1] {
			wins++
		}
	}
	t.Logf("median best-so-far over %d seeds (minimising; tpe-4w: 4 parallel workers, constant liar):\n%sTPE beats random at 50 trials on %d of 3 problems", seeds, b.String(), wins)
}
