package runner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/sweep"
)

// outcomeOrder is the order in which exp run counts trials by status.
var outcomeOrder = []record.Status{record.StatusCompleted, record.StatusPruned, record.StatusFailed,
	record.StatusDiverged, record.StatusInterrupted, record.StatusRunning, record.StatusPending}

// countStatuses formats counts in outcomeOrder, "2 completed, 1 failed",
// leaving out the statuses keep rejects.
func countStatuses(c map[record.Status]int, keep func(n int) bool) string {
	var parts []string
	for _, st := range outcomeOrder {
		if keep(c[st]) {
			parts = append(parts, fmt.Sprintf("%d %s", c[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// writePlan prints what exp run found before it starts: the sweep of file,
// its trials by status (unless all share one), the trials the file gained,
// and that nothing is left to do if so.
func writePlan(w io.Writer, r *sweep.Report, file string) {
	c := r.Counts()
	n := len(r.Trials)
	what := fmt.Sprintf("%d trials", n)
	if n == 1 {
		what = "1 trial"
	}
	if r.Budget > 0 {
		what = fmt.Sprintf("tpe search, %d of %d trials proposed so far (the others are proposed as results arrive)", n, r.Budget)
	}
	fmt.Fprintf(w, "sweep %d %q (%s): %s", r.Sweep.ID, r.Sweep.Name, file, what)
	if parts := countStatuses(c, func(k int) bool { return k > 0 && k != n }); parts != "" {
		fmt.Fprintf(w, " (%s)", parts)
	}
	fmt.Fprintln(w)
	if len(r.Added) > 0 && len(r.Added) < n {
		fmt.Fprintf(w, "the file gained %d trial(s):\n", len(r.Added))
		for _, t := range r.Added {
			fmt.Fprintf(w, "  trial %d: %s\n", t.Trial, record.FormatParams(t.Params))
		}
	}
	if c[record.StatusCompleted]+c[record.StatusPruned] == n && n >= r.Budget {
		fmt.Fprintln(w, "nothing to do: every trial has finished (--new starts a fresh sweep)")
	}
}

// writeOutcome prints how the sweep of r went after took: its trials by
// status, the first line of each failed or diverged trial's error (to
// errW), each fitted line, and the table of its trials by the default
// metric (colored with color).
func writeOutcome(ctx context.Context, store report.Reader, r *sweep.Report, w, errW io.Writer, took time.Duration, color bool) error {
	fmt.Fprintf(w, "sweep %d after %s: %s\n", r.Sweep.ID, took.Round(time.Second), countStatuses(r.Counts(), func(k int) bool { return k > 0 }))
	ids := make([]int64, len(r.Trials))
	for i, t := range r.Trials {
		ids[i] = t.ID
		if t.Error != "" && (t.Status == record.StatusFailed || t.Status == record.StatusDiverged) {
			msg, _, _ := strings.Cut(t.Error, "\n")
			fmt.Fprintf(errW, "trial %d (run %d) %s: %s\n", t.Trial, t.ID, t.Status, msg)
		}
		if line := report.FittedLine(t.ID, t.Summary); line != "" {
			fmt.Fprintln(w, line)
		}
	}
	rows, metric, err := report.Select(ctx, store, report.Filter{Sweep: r.Sweep, Runs: ids}, "")
	if err != nil {
		return err
	}
	return report.RunsTable(rows, report.Varying(rows), metric).Render(w, "table", color)
}
