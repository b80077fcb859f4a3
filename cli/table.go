package cli

import (
	"context"
	"fmt"

	"github.com/exp-runner/exp/report"
	"github.com/exp-runner/exp/results"
)

func init() {
	register("table", &command{
		summary: "compare runs: best validation accuracy per run",
		usage: `Usage: exp table [--db PATH]

Prints one row per run of the results database, best first: its id, name and
model, optimizer, learning rate and batch size, the best val_accuracy and the
epoch it was reached, the last epoch's val_accuracy, epochs done out of those
planned, training time and status. Regression runs have no accuracy; their
best epoch is the one with the lowest validation (else training) loss.

Flags:
	--db PATH   results database (default $EXP_DB, else ./runs.db)

Examples:
	exp table
	exp table --db sweeps.db
`,
		run: (*Main).runTable,
	})
}

func (m *Main) runTable(ctx context.Context, args []string) error {
	fs := m.newFlagSet("table")
	db := fs.String("db", "", "")
	pos, err := m.parse(fs, "table", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp table: unexpected argument %q\nUsage: exp table [--db PATH]", pos[0])
	}
	path := m.dbPath(*db)
	store, err := results.OpenExisting(ctx, path)
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	sums, err := store.Summaries(ctx)
	if err != nil {
		return err
	}
	if len(sums) == 0 {
		fmt.Fprintf(m.Stdout, "no runs in %s\n", path)
		return nil
	}
	return report.RunsTable(m.Stdout, sums)
}
