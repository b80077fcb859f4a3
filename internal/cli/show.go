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
	register("show", &command{
		summary: "show one run: its resolved config and every epoch",
		usage: `Usage: exp show [--db PATH] RUN

Shows a run: its status and times, its sweep and trial, the resolved config
it trained with (every default filled in), and a table of its epochs. RUN is
a run's id, or a name that only one run has.

Flags:
	--db PATH   results database (default $EXP_DB, else ./runs.db)

Examples:
	exp show 3
	exp show mlp
`,
		run: (*Main).runShow,
	})
}

func (m *Main) runShow(ctx context.Context, args []string) error {
	fs := m.newFlagSet("show")
	db := fs.String("db", "", "")
	pos, err := m.parse(fs, "show", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp show: expected one run (an id or a name), got %d arguments", len(pos))
	}
	store, err := results.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	r, err := findRun(ctx, store, pos[0])
	if err != nil {
		return err
	}
	eps, err := store.Epochs(ctx, r.ID)
	if err != nil {
		return err
	}
	w := m.Stdout
	fmt.Fprintf(w, "run %d: %s (model %s): %s", r.ID, r.Name, r.ModelName, r.Status)
	if r.StopReason != "" {
		fmt.Fprintf(w, " (%s)", r.StopReason)
	}
	fmt.Fprintln(w)
	if r.SweepID != 0 {
		fmt.Fprintf(w, "sweep %d, trial %d", r.SweepID, r.Trial)
		if p := report.FormatParams(r.Params); p != "" {
			fmt.Fprintf(w, ": %s", p)
		}
		fmt.Fprintf(w, " (attempts: %d)\n", r.Attempts)
	}
	fmt.Fprintf(w, "started %s", r.StartedAt.UTC().Format(time.RFC3339))
	if r.FinishedAt != nil {
		fmt.Fprintf(w, ", finished %s", r.FinishedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "; backend %s; config hash %s\n", r.Backend, r.ConfigHash[:min(12, len(r.ConfigHash))])
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	if len(r.Summary) > 0 {
		var keys []string
		for k := range r.Summary {
			keys = append(keys, k)
		}
		sortStrings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%.6g", k, r.Summary[k]))
		}
		fmt.Fprintf(w, "summary: %s\n", strings.Join(parts, " "))
	}
	fmt.Fprintf(w, "\nconfig:\n%s\n", indent(r.ConfigYAML, "  "))
	if len(eps) == 0 {
		fmt.Fprintln(w, "no epochs finished")
		return nil
	}
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "ms/step", "examples/s")
	for _, e := range eps {
		if err := t.Append(fmt.Sprint(e.Epoch), report.FormatMetric("loss", e.Loss), report.FormatMetric("accuracy", e.Accuracy),
			report.FormatMetric("val_loss", e.ValLoss), report.FormatMetric("val_accuracy", e.ValAccuracy),
			fmt.Sprintf("%.1f", e.Seconds), fmt.Sprintf("%.2f", e.MsPerStep), fmt.Sprintf("%.0f", e.ExamplesPerSecond)); err != nil {
			return err
		}
	}
	return t.Render()
}

// findRun finds a run by id, or by a name only one run has.
func findRun(ctx context.Context, store results.Store, ref string) (*results.Run, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		r, err := store.Run(ctx, id)
		if errors.Is(err, results.ErrNotFound) {
			return nil, usageError("exp: no run %d in %s", id, store.Path())
		}
		return r, err
	}
	runs, err := store.RunsByName(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch len(runs) {
	case 0:
		return nil, usageError("exp: no run named %q in %s", ref, store.Path())
	case 1:
		return runs[0], nil
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = fmt.Sprint(r.ID)
	}
	return nil, usageError("exp: %d runs are named %q (ids %s): give an id", len(runs), ref, strings.Join(ids, ", "))
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
