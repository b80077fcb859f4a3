package cli

import (
	"context"
	"io"

	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("export", &command{
		summary: "write every epoch row, with its run's hyperparameters, as CSV or JSON",
		usage: `Usage: exp export [--db PATH] [--format csv|json] [--sweep NAME|ID] [--where PATH=VALUE]... [-o FILE]

Writes one record per epoch of the selected runs: the run's id, name, model,
status, sweep, trial and variant, every scalar value of its resolved config
as a column named by its key path (model.layers is left out), and the
epoch's metrics. For pandas, R or a spreadsheet:

	pandas.read_csv("epochs.csv")

Flags:
	--db PATH            results database (default $EXP_DB, else ./runs.db)
	--format F           csv (default) or json (an array of objects)
	--sweep NAME|ID      only this sweep's trials
	--where PATH=VALUE   keep matching runs, as for exp table; repeatable
	-o FILE              write to FILE instead of standard output: a regular file
	                     is replaced atomically and keeps its mode and owner (a
	                     file with several hard links is written in place), a
	                     symbolic link is followed, a device or FIFO is written
	                     through; a folder is an error. exp plot, report and
	                     predict write -o the same way.

Examples:
	exp export > epochs.csv
	exp export --format json --sweep sweep -o sweep.json
`,
		run: (*Main).runExport,
	})
}

func (m *Main) runExport(ctx context.Context, args []string) error {
	fs := m.newFlagSet("export")
	db := fs.String("db", "", "")
	format := fs.String("format", "csv", "")
	out := fs.String("o", "", "")
	var sel selection
	sel.flags(flagSet{fs}, false)
	pos, err := m.parse(fs, "export", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp export: unexpected argument %q", pos[0])
	}
	if !contains(report.ExportFormats, *format) {
		return usageError("exp export: --format: unknown format %q (known: csv, json)", *format)
	}
	if err := checkOutput("export", *out); err != nil {
		return err
	}
	store, err := resultdb.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	f, metric, _, err := sel.resolve(ctx, store)
	if err != nil {
		return err
	}
	rows, _, err := report.Select(ctx, store, f, metric)
	if err != nil {
		return err
	}
	return m.writeOutput(*out, func(w io.Writer) error { return report.WriteEpochs(w, *format, rows) })
}
