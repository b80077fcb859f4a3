package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/results"
)

func init() {
	register("status", &command{
		summary: "show a sweep's progress: trials by state, best so far, throughput, ETA",
		usage: `Usage: exp status [--db PATH] [SWEEP]

Shows a sweep's trials by state, the best trial so far, its throughput
(epochs per hour) and an estimate of the time left, then each trial. SWEEP is
a sweep's id or name; without it, the latest sweep.

Flags:
	--db PATH   results database (default $EXP_DB, else ./runs.db)

Examples:
	exp status
	exp status sweep
	exp status --db sweeps.db 3
`,
		run: (*Main).runStatus,
	})
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Main) runStatus(ctx context.Context, args []string) error {
	fs := m.newFlagSet("status")
	db := fs.String("db", "", "")
	pos, err := m.parse(fs, "status", args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError("exp status: expected at most one sweep, got %d arguments", len(pos))
	}
	store, err := results.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	ref := ""
	if len(pos) == 1 {
		ref = pos[0]
	}
	sw, err := findSweep(ctx, store, ref)
	if err != nil {
		return err
	}
	trials, err := store.Trials(ctx, sw.ID)
	if err != nil {
		return err
	}
	sums, err := store.Summaries(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]*results.RunSummary{}
	for _, s := range sums {
		byID[s.Run.ID] = s
	}
	w := m.Stdout
	fmt.Fprintf(w, "sweep %d %q (%s), created %s\n", sw.ID, sw.Name, sw.File, sw.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	counts := map[results.Status]int{}
	for _, t := range trials {
		counts[t.Status]++
	}
	var parts []string
	for _, st := range []results.Status{results.StatusCompleted, results.StatusPruned, results.StatusRunning, results.StatusPending,
		results.StatusInterrupted, results.StatusFailed, results.StatusDiverged} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	fmt.Fprintf(w, "trials: %d: %s\n", len(trials), strings.Join(parts, ", "))

	var best *results.RunSummary
	done, left := 0, 0
	var first, last time.Time
	for _, t := range trials {
		s := byID[t.ID]
		if s == nil {
			continue
		}
		done += s.EpochsDone
		switch t.Status {
		case results.StatusPending, results.StatusRunning, results.StatusInterrupted:
			left += max(0, t.Epochs-s.EpochsDone)
		}
		if s.EpochsDone > 0 && (first.IsZero() || t.StartedAt.Before(first)) {
			first = t.StartedAt
		}
		if s.LastEpochAt.After(last) {
			last = s.LastEpochAt
		}
		if s.BestValAccuracy != nil && (best == nil || *s.BestValAccuracy > *best.BestValAccuracy) {
			best = s
		}
	}
	if best != nil {
		fmt.Fprintf(w, "best so far: trial %d (run %d", best.Run.Trial, best.Run.ID)
		if p := formatParams(best.Run.Params); p != "" {
			fmt.Fprintf(w, ", %s", p)
		}
		fmt.Fprintf(w, "): val_accuracy %.2f%% at epoch %d\n", 100**best.BestValAccuracy, best.BestEpoch)
		eps, err := store.Epochs(ctx, best.Run.ID)
		if err != nil {
			return err
		}
		var curve []float64
		for _, e := range eps {
			if e.ValAccuracy != nil {
				curve = append(curve, *e.ValAccuracy)
			}
		}
		if len(curve) > 1 {
			fmt.Fprintf(w, "  val_accuracy by epoch: %s  %.2f%% → %.2f%%\n", report.Sparkline(curve, 60), 100*curve[0], 100*curve[len(curve)-1])
		}
	}
	if done > 0 {
		end := last
		if counts[results.StatusRunning] > 0 {
			end = m.now()
		}
		elapsed := end.Sub(first)
		if elapsed > 0 {
			rate := float64(done) / elapsed.Hours()
			fmt.Fprintf(w, "throughput: %.1f epochs/hour (%d epochs in %s)\n", rate, done, report.Duration(elapsed.Seconds()))
			if left > 0 {
				eta := time.Duration(float64(left) / rate * float64(time.Hour))
				fmt.Fprintf(w, "ETA: %d epochs left, about %s at that rate\n", left, report.Duration(eta.Seconds()))
			}
		}
	}
	fmt.Fprintln(w)
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("trial", "run", "status", "epochs", "best val_acc", "params")
	for _, tr := range trials {
		s := byID[tr.ID]
		bestAcc := "—"
		if s != nil && s.BestValAccuracy != nil {
			bestAcc = fmt.Sprintf("%.2f%% (%d)", 100**s.BestValAccuracy, s.BestEpoch)
		}
		epochs := 0
		if s != nil {
			epochs = s.EpochsDone
		}
		if err := t.Append(fmt.Sprint(tr.Trial), fmt.Sprint(tr.ID), string(tr.Status), fmt.Sprintf("%d/%d", epochs, tr.Epochs), bestAcc, formatParams(tr.Params)); err != nil {
			return err
		}
	}
	return t.Render()
}

// findSweep finds a sweep by id or name (the latest of that name), or the
// latest sweep for "".
func findSweep(ctx context.Context, store results.Store, ref string) (*results.Sweep, error) {
	sweeps, err := store.Sweeps(ctx)
	if err != nil {
		return nil, err
	}
	if len(sweeps) == 0 {
		return nil, usageError("exp: no sweeps in %s yet", store.Path())
	}
	if ref == "" {
		return sweeps[len(sweeps)-1], nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		sw, err := store.Sweep(ctx, id)
		if errors.Is(err, results.ErrNotFound) {
			return nil, usageError("exp: no sweep %d in %s", id, store.Path())
		}
		return sw, err
	}
	var names []string
	for i := len(sweeps) - 1; i >= 0; i-- {
		if sweeps[i].Name == ref {
			return sweeps[i], nil
		}
		names = append(names, sweeps[i].Name)
	}
	return nil, usageError("exp: no sweep named %q in %s (sweeps: %s)", ref, store.Path(), strings.Join(dedupe(names), ", "))
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
