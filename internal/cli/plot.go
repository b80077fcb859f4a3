package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/exp-runner/exp/internal/chart"
	"github.com/exp-runner/exp/internal/htmlreport"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("plot", &command{
		summary: "draw learning curves of runs or groups to a PNG or SVG file",
		usage: `Usage: exp plot [--db PATH] [--sweep NAME|ID] [--runs ID,ID...] [--metric M]
                [--group-by PATHS] [--where PATH=VALUE]... -o FILE.png|FILE.svg

Draws the metric by epoch: one line per run, labelled with the
hyperparameters that vary among them, or with --group-by one line per group
(the mean over its runs) with a band of ± one standard deviation.

Flags:
	--db PATH            results database (default $EXP_DB, else ./runs.db)
	--sweep NAME|ID      only this sweep's trials
	--runs IDS           only these runs, e.g. 3,5,9
	--metric M           val_accuracy, val_loss, accuracy, loss, or lr (the
	                     learning rate at each epoch's end) (default: val_accuracy
	                     if the runs have it, else val_loss, else loss)
	--group-by PATHS     comma-separated key paths, or variant
	--where PATH=VALUE   keep matching runs, as for exp table; repeatable
	-o FILE              the image to write; its extension picks PNG or SVG

Examples:
	exp plot --sweep sweep -o curves.png
	exp plot --sweep sweep --group-by variant --metric val_loss -o loss.svg
	exp plot --runs 3,5,9 -o three.png
`,
		run: (*Main).runPlot,
	})
	register("report", &command{
		summary: "write a self-contained HTML report: table, curves and configs",
		usage: `Usage: exp report [--db PATH] [--sweep NAME|ID] [--runs IDS] [--metric M] [--group-by PATHS]
                  [--where PATH=VALUE]... -o FILE.html

Writes one HTML file that needs no network: the comparison table (as exp
table), the learning curves of the metric and of the training loss (inline
SVG), a grouped chart with --group-by, and every run's resolved config.

Flags: as for exp plot.

Examples:
	exp report --sweep sweep -o report.html
	exp report --sweep sweep --group-by variant,train.learning_rate -o report.html
`,
		run: (*Main).runReport,
	})
}

// loadRows opens the database and selects the rows for plot and report.
func (m *Main) loadRows(ctx context.Context, db string, sel *selection) (*resultdb.DB, []*report.Row, report.Metric, []string, error) {
	store, err := resultdb.OpenExisting(ctx, m.dbPath(db))
	if err != nil {
		return nil, nil, "", nil, usageError("exp: %v", err)
	}
	f, metric, paths, err := sel.resolve(ctx, store)
	if err != nil {
		store.Close()
		return nil, nil, "", nil, err
	}
	rows, metric, err := report.Select(ctx, store, f, metric)
	if err != nil {
		store.Close()
		return nil, nil, "", nil, err
	}
	if len(rows) == 0 {
		store.Close()
		return nil, nil, "", nil, usageError("exp: no runs match")
	}
	return store, rows, metric, paths, nil
}

func (m *Main) plotFlags(name string) (*flagSet, *string, *string, *selection) {
	fs := m.newFlagSet(name)
	db := fs.String("db", "", "")
	out := fs.String("o", "", "")
	sel := &selection{}
	sel.flags(flagSet{fs}, true)
	fs.StringVar(&sel.runs, "runs", "", "")
	return &flagSet{fs}, db, out, sel
}

func (m *Main) runPlot(ctx context.Context, args []string) error {
	fs, db, out, sel := m.plotFlags("plot")
	pos, err := m.parse(fs.FlagSet, "plot", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp plot: unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usageError("exp plot: -o FILE.png or -o FILE.svg is required")
	}
	format, err := chart.FormatFromPath(*out)
	if err != nil {
		return usageError("exp plot: -o: %v", err)
	}
	if err := checkOutput("plot", *out); err != nil {
		return err
	}
	store, rows, metric, paths, err := m.loadRows(ctx, *db, sel)
	if err != nil {
		return err
	}
	defer store.Close()
	c := report.Chart(rows, metric, paths)
	return m.writeOutput(*out, func(w io.Writer) error { return chart.Render(w, c, format) })
}

func (m *Main) runReport(ctx context.Context, args []string) error {
	fs, db, out, sel := m.plotFlags("report")
	pos, err := m.parse(fs.FlagSet, "report", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp report: unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usageError("exp report: -o FILE.html is required")
	}
	if err := checkOutput("report", *out); err != nil {
		return err
	}
	store, rows, metric, paths, err := m.loadRows(ctx, *db, sel)
	if err != nil {
		return err
	}
	defer store.Close()
	title := "exp report"
	if sel.sweep != "" {
		title = fmt.Sprintf("exp report: sweep %s", sel.sweep)
	}
	r, err := report.HTML(rows, metric, paths, title, m.now().UTC().Format(time.RFC3339))
	if err != nil {
		return err
	}
	figs, err := report.ConfusionFigures(ctx, store, report.ConfusionRuns(rows, metric, sel.runs != ""))
	if err != nil {
		return err
	}
	r.Charts = append(r.Charts, figs...)
	return m.writeOutput(*out, func(w io.Writer) error { return htmlreport.Write(w, *r) })
}
