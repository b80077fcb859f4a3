package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/exp-runner/exp/internal/chart"
	"github.com/exp-runner/exp/internal/record"
)

// Curves returns the learning curves of metric: one series per row, or with
// group paths one per group, its mean by epoch with a band of ± one sample
// standard deviation (where at least two runs have the epoch). Labels name
// the run and the hyperparameters that vary among the rows, or the group's
// values and its size.
func Curves(rows []*Row, metric Metric, groupPaths []string) []chart.Series {
	if groupPaths == nil {
		varying := Varying(rows)
		var out []chart.Series
		for _, r := range rows {
			s := chart.Series{Label: runLabel(r, varying)}
			for _, e := range r.Epochs {
				s.X = append(s.X, float64(e.Epoch))
				s.Y = append(s.Y, value(metric.Of(e)))
			}
			out = append(out, s)
		}
		return out
	}
	var out []chart.Series
	for _, g := range GroupBy(rows, groupPaths, metric) {
		last := 0
		for _, r := range g.Rows {
			for _, e := range r.Epochs {
				last = max(last, e.Epoch)
			}
		}
		s := chart.Series{Label: groupLabel(groupPaths, g)}
		band := false
		for epoch := 1; epoch <= last; epoch++ {
			var vals []float64
			for _, r := range g.Rows {
				for _, e := range r.Epochs {
					if v := metric.Of(e); e.Epoch == epoch && v != nil && !math.IsNaN(*v) {
						vals = append(vals, *v)
					}
				}
			}
			mean, std := MeanStd(vals)
			s.X = append(s.X, float64(epoch))
			s.Y = append(s.Y, mean)
			lo, hi := mean, mean
			if !math.IsNaN(std) {
				lo, hi, band = mean-std, mean+std, true
			}
			s.Lo, s.Hi = append(s.Lo, lo), append(s.Hi, hi)
		}
		if !band {
			s.Lo, s.Hi = nil, nil
		}
		out = append(out, s)
	}
	return out
}

func value(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func runLabel(r *Row, varying []string) string {
	parts := []string{fmt.Sprintf("run %d", r.Run.ID)}
	if r.Run.ModelName != "" && !contains(varying, "variant") {
		parts[0] += " " + r.Run.ModelName
	}
	for _, p := range varying {
		if v, ok := r.Value(p); ok {
			parts = append(parts, fmt.Sprintf("%s=%s", shortPath(p), record.FormatValue(v)))
		}
	}
	return strings.Join(parts, " ")
}

func groupLabel(paths []string, g *Group) string {
	var parts []string
	for i, p := range paths {
		v := "—"
		if g.Key[i] != nil {
			v = record.FormatValue(g.Key[i])
		}
		parts = append(parts, fmt.Sprintf("%s=%s", shortPath(p), v))
	}
	return fmt.Sprintf("%s (n=%d)", strings.Join(parts, " "), len(g.Rows))
}

// shortPath drops a key path's section prefix for labels: train.learning_rate
// becomes learning_rate, model.layers[1].units stays as it is.
func shortPath(p string) string {
	for _, prefix := range []string{"train.", "data."} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && !strings.ContainsAny(rest, ".[") {
			return rest
		}
	}
	return p
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
