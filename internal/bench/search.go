package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/chart"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/fileout"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/search"
)

// SearchOptions configures SearchMNIST.
type SearchOptions struct {
	Config string // the reference MLP's config (configs/mlp.yaml)
	Dir    string // where the sweeps' files, database and plot go
	Seeds  int    // sampler seeds 1..Seeds per method
	Budget int    // trials per sweep
	Jobs   int    // exp run --jobs
	// Run runs exp with args (exp run FILE --db DB …) and returns its exit
	// code.
	Run func(ctx context.Context, args []string) int
	Log io.Writer
}

// searchAxes is the real objective's search space.
const searchAxes = `
sweep:
  method: %s
  samples: %d
  seed: %d
  axes:
    train.learning_rate: {loguniform: [1.0e-6, 1.0]}
    train.batch_size: [8, 16, 32, 64, 128, 256, 512]
    model.layers[1].units: {int: [4, 256]}
`

// searchSets shrink the reference MLP (32 hidden units) to a cheap
// objective: 3,000 training images, 2,000 validation images, 2 epochs.
var searchSets = []string{"data.train_examples=3000", "data.val_examples=2000", "train.epochs=2", "model.layers[1].units=32"}

// SearchMNIST runs a tpe and a random sweep of Budget trials per seed on
// the reference MLP and prints the median over seeds of the best
// val_accuracy after Budget trials; it draws the median best-so-far curves
// to Dir/search-mnist.png and returns whether TPE's median is higher.
func SearchMNIST(ctx context.Context, w io.Writer, o SearchOptions) (bool, error) {
	base, err := config.ReadFile(ctx, o.Config)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return false, err
	}
	db := filepath.Join(o.Dir, "search.db")
	curves := map[string][][]float64{}
	for _, method := range []string{"random", "tpe"} {
		for seed := 1; seed <= o.Seeds; seed++ {
			best, err := runSearchSweep(ctx, o, base, db, method, seed)
			if err != nil {
				return false, err
			}
			curves[method] = append(curves[method], best)
		}
	}
	med := map[string][]float64{}
	for m, cs := range curves {
		med[m] = medianCurve(cs, o.Budget)
	}
	fmt.Fprintf(w, "MNIST MLP (3,000 images, 2 epochs), best val_accuracy after %d trials, %d seeds:\n", o.Budget, o.Seeds)
	for _, m := range []string{"random", "tpe"} {
		fmt.Fprintf(w, "  %-7s median %.4f   per seed %s\n", m, med[m][o.Budget-1], formatFinal(curves[m], o.Budget))
	}
	png := filepath.Join(o.Dir, "search-mnist.png")
	if err := plotCurves(png, med, o); err != nil {
		return false, err
	}
	fmt.Fprintf(w, "best-so-far plot: %s\n", png)
	return med["tpe"][o.Budget-1] > med["random"][o.Budget-1], nil
}

// runSearchSweep runs one sweep and returns its best-so-far val_accuracy
// by trial.
func runSearchSweep(ctx context.Context, o SearchOptions, base []byte, db, method string, seed int) ([]float64, error) {
	name := fmt.Sprintf("search-%s-%d", method, seed)
	body := strings.Replace(string(base), "name: mlp", "name: "+name, 1) + fmt.Sprintf(searchAxes, method, o.Budget, seed)
	file := filepath.Join(o.Dir, name+".yaml")
	if err := fileout.Write(file, func(w io.Writer) error { _, err := io.WriteString(w, body); return err }); err != nil {
		return nil, err
	}
	args := []string{"run", file, "--db", db, "--jobs", fmt.Sprint(o.Jobs)}
	for _, s := range searchSets {
		args = append(args, "--set", s)
	}
	fmt.Fprintf(o.Log, "exp %s\n", strings.Join(args, " "))
	if code := o.Run(ctx, args); code != 0 && code != 1 { // 1: a trial diverged
		return nil, fmt.Errorf("exp run %s: exit %d", file, code)
	}
	return bestSoFar(ctx, db, name, o.Budget)
}

// bestSoFar reads the best val_accuracy so far after each trial of the
// latest sweep called name (a failed trial counts as 0).
func bestSoFar(ctx context.Context, db, name string, budget int) ([]float64, error) {
	store, err := resultdb.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	sweeps, err := store.Sweeps(ctx)
	if err != nil {
		return nil, err
	}
	var id int64
	for _, sw := range sweeps {
		if sw.Name == name {
			id = sw.ID
		}
	}
	trials, err := store.Trials(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]float64, budget)
	best := 0.0
	for i := range budget {
		if i < len(trials) {
			eps, err := store.Epochs(ctx, trials[i].ID)
			if err != nil {
				return nil, err
			}
			for _, e := range eps {
				if v := e.Value(record.ValAccuracy); v != nil && *v > best {
					best = *v
				}
			}
		}
		out[i] = best
	}
	return out, nil
}

func medianCurve(cs [][]float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		var col []float64
		for _, c := range cs {
			col = append(col, c[i])
		}
		out[i] = search.Median(col)
	}
	return out
}

func formatFinal(cs [][]float64, n int) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%.4f", c[n-1]))
	}
	return strings.Join(parts, " ")
}

func plotCurves(path string, med map[string][]float64, o SearchOptions) error {
	c := chart.Chart{Title: fmt.Sprintf("MNIST MLP: median best val_accuracy so far (%d seeds)", o.Seeds), XLabel: "trial", YLabel: "val_accuracy"}
	for _, m := range []string{"random", "tpe"} {
		x := make([]float64, len(med[m]))
		for i := range x {
			x[i] = float64(i + 1)
		}
		y := make([]float64, len(med[m]))
		for i, v := range med[m] {
			y[i] = v
			if v == 0 {
				y[i] = math.NaN()
			}
		}
		c.Series = append(c.Series, chart.Series{Label: m, X: x, Y: y})
	}
	return fileout.Write(path, func(w io.Writer) error { return chart.Render(w, c, "png") })
}
