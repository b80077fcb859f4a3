package cli

import (
	"context"
	"fmt"

	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("table", &command{
		summary: "compare runs: best metric per run, or mean ± std per group",
		usage: `Usage: exp table [--db PATH] [--sweep NAME|ID] [--metric M] [--group-by PATH[,PATH]]
                 [--where PATH=VALUE]... [--sort COL[,-COL]] [--top N] [--format F]

Without --group-by: one row per run, best first: its id, name and model, the
hyperparameters that vary among the runs shown (key paths of the config;
model.layers is never split into columns, the model's name stands for it),
the best value of the metric and the epoch it was reached, the last epoch's
value, epochs done out of those planned, time and status. The best row stands
out on a terminal.

With --group-by: one row per group of runs sharing the values at the given
key paths (or variant): n (runs with a value), the mean ± sample standard
deviation of their best values ("—" for n = 1), and the best run's id.

Flags:
	--db PATH            results database (default $EXP_DB, else ./runs.db)
	--sweep NAME|ID      only this sweep's trials (default: every run)
	--metric M           val_accuracy, val_loss, accuracy or loss (default:
	                     val_accuracy if the runs have it, else val_loss, else
	                     loss); the best is the highest accuracy or the lowest loss
	--group-by PATHS     comma-separated key paths, or variant
	--where PATH=VALUE   keep runs whose config has VALUE (a YAML scalar,
	                     compared by value: 1e-3 = 0.001) at PATH; PATH may
	                     also be variant, status or id; repeatable
	--sort COLS          comma-separated columns, -COL for descending; best
	                     is the metric's best value (its mean by groups), a
	                     column's first or last word names it (default: best
	                     first)
	--top N              print the first N rows only
	--format F           table (default), markdown, csv or json

Examples:
	exp table
	exp table --sweep sweep --group-by variant,train.learning_rate
	exp table --where variant=cnn --where train.batch_size=32 --metric val_loss
	exp table --sort -train.learning_rate,best --top 5 --format markdown
`,
		run: (*Main).runTable,
	})
}

// selection holds the flags that choose and group runs, shared by table,
// plot, report and export.
type selection struct {
	sweep, metric, groupBy, runs string
	where                        multiFlag
}

func (s *selection) flags(fs interface {
	StringVar(*string, string, string, string)
	Var(flagValue, string, string)
}, grouping bool) {
	fs.StringVar(&s.sweep, "sweep", "", "")
	fs.StringVar(&s.metric, "metric", "", "") // "": report.DefaultMetric
	if grouping {
		fs.StringVar(&s.groupBy, "group-by", "", "")
	}
	fs.Var(&s.where, "where", "")
}

// resolve turns the flags into a filter, a metric ("" for the default)
// and group paths.
func (s *selection) resolve(ctx context.Context, store sweepFinder) (report.Filter, report.Metric, []string, error) {
	var f report.Filter
	var metric report.Metric
	var err error
	if s.metric != "" {
		if metric, err = report.ParseMetric(s.metric); err != nil {
			return f, "", nil, usageError("--metric: %v", err)
		}
	}
	if s.sweep != "" {
		ref := s.sweep
		if ref == latestSweep {
			ref = ""
		}
		if f.Sweep, err = findSweep(ctx, store, ref); err != nil {
			return f, "", nil, err
		}
	}
	for i, w := range s.where {
		c, err := report.ParseWhere(w)
		if err != nil {
			return f, "", nil, usageError("--where #%d: %v", i+1, err)
		}
		f.Where = append(f.Where, c)
	}
	if s.runs != "" {
		if f.Runs, err = report.ParseIDs(s.runs); err != nil {
			return f, "", nil, usageError("--runs: %v", err)
		}
	}
	var paths []string
	if s.groupBy != "" {
		if paths, err = report.ParsePaths(s.groupBy); err != nil {
			return f, "", nil, usageError("--group-by: %v", err)
		}
	}
	return f, metric, paths, nil
}

func (m *Main) runTable(ctx context.Context, args []string) error {
	fs := m.newFlagSet("table")
	db := fs.String("db", "", "")
	var sel selection
	sel.flags(flagSet{fs}, true)
	sortSpec := fs.String("sort", "", "")
	top := fs.Int("top", 0, "")
	format := fs.String("format", "table", "")
	pos, err := m.parse(fs, "table", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp table: unexpected argument %q; see 'exp help table'", pos[0])
	}
	if !contains(report.Formats, *format) {
		return usageError("exp table: --format: unknown format %q (known: table, markdown, csv, json)", *format)
	}
	store, err := resultdb.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	f, metric, paths, err := sel.resolve(ctx, store)
	if err != nil {
		return err
	}
	rows, metric, err := report.Select(ctx, store, f, metric)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(m.Stderr, "no runs match")
		return nil
	}
	var t *report.Table
	if paths != nil {
		t = report.GroupsTable(report.GroupBy(rows, paths, metric), paths, metric)
	} else {
		t = report.RunsTable(rows, report.Varying(rows), metric)
	}
	if *sortSpec != "" {
		if err := t.Sort(*sortSpec); err != nil {
			return usageError("--sort: %v", err)
		}
	}
	t.Top(*top)
	return t.Render(m.Stdout, *format, *format == "table" && m.isTerminal(m.Stdout))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
