package report

import "github.com/exp-runner/exp/internal/record"

// ConfusionRuns returns the runs whose confusion matrix exp report draws:
// every run of rows with all (runs named by --runs), else the best by
// metric (the earliest run among equals).
func ConfusionRuns(rows []*Row, metric Metric, all bool) []*record.Run {
	var out []*record.Run
	var best *Row
	for _, r := range rows {
		if all {
			out = append(out, r.Run)
		}
		if r.Best != nil && (best == nil || metric.Better(*r.Best, *best.Best)) {
			best = r
		}
	}
	if all || best == nil {
		return out
	}
	return []*record.Run{best.Run}
}
