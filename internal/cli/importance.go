package cli

import (
	"context"

	"github.com/exp-runner/exp/internal/report"
)

func init() {
	register("importance", &command{
		summary: "estimate which axes of a sweep mattered for its metric",
		usage: `Usage: exp importance [--db PATH] [--sweep NAME|ID] [--metric M]

Prints each sweep axis's importance for the best value of the metric over
the sweep's trials with a value, most important first, naming the method:
the share of the variance of the trials' value ranks that the axis explains
on its own (a binned one-way analysis of variance, corrected for chance).
It measures main effects only, not interactions; it needs 3 trials.

Flags:
	--db PATH        results database (default $EXP_DB, else ./runs.db)
	--sweep NAME|ID  the sweep (default: the latest)
	--metric M       val_accuracy, val_loss, accuracy or loss (default:
	                 val_accuracy if the runs have it, else val_loss, else loss)

Examples:
	exp importance
	exp importance --sweep sweep --metric val_loss
`,
		run: (*Main).runImportance,
	})
}

func (m *Main) runImportance(ctx context.Context, args []string) error {
	fs := m.newFlagSet("importance")
	db := fs.String("db", "", "")
	sel := &selection{}
	fs.StringVar(&sel.sweep, "sweep", "", "")
	fs.StringVar(&sel.metric, "metric", "", "")
	pos, err := m.parse(fs, "importance", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp importance: unexpected argument %q", pos[0])
	}
	if sel.sweep == "" {
		sel.sweep = latestSweep
	}
	store, rows, metric, _, err := m.loadRows(ctx, *db, sel)
	if err != nil {
		return err
	}
	defer store.Close()
	s := report.SearchOf(rows, metric)
	if s == nil {
		return usageError("exp importance: the sweep has no axes")
	}
	if err := s.WriteImportance(m.Stdout); err != nil {
		return usageError("exp %v", err)
	}
	return nil
}

// latestSweep as a selection's sweep selects the latest sweep.
const latestSweep = "\x00latest"
