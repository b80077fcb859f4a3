package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/exp-runner/exp/internal/bench"
	"github.com/exp-runner/exp/internal/search"
)

// benchSearch is exp bench --search: TPE against random search at the same
// budget, on the test functions (what = functions or all) and on the
// reference MLP (what = mnist or all).
func (m *Main) benchSearch(ctx context.Context, what, configs, dir string, jobs int) error {
	if what != "functions" && what != "mnist" && what != "all" {
		return usageError("exp bench: --search must be functions, mnist or all, got %q", what)
	}
	wins := 0
	if what != "mnist" {
		fmt.Fprintln(m.Stdout, "median best-so-far over 10 seeds (minimising; tpe-4w: 4 parallel workers, constant liar):")
		w, err := search.Compare(m.Stdout, 10, []int{20, 50, 100})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "TPE beats random at 50 trials on %d of 3 functions\n\n", w)
		wins += w
	}
	if what != "functions" {
		better, err := bench.SearchMNIST(ctx, m.Stdout, bench.SearchOptions{
			Config: filepath.Join(configs, "mlp.yaml"), Dir: dir, Seeds: 3, Budget: 24, Jobs: jobs,
			Run: m.Run, Log: m.Stderr,
		})
		if err != nil {
			return err
		}
		if better {
			wins++
		}
	}
	if what == "all" {
		fmt.Fprintf(m.Stdout, "TPE's median best beats random's on %d of 4 problems\n", wins)
	}
	return nil
}
