package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/exp-runner/exp/internal/chart"
	"github.com/exp-runner/exp/internal/htmlreport"
	"github.com/exp-runner/exp/internal/record"
)

// Chart is the learning-curve chart of metric for rows: one line per run,
// or the mean ± std of each group by paths (nil: no grouping).
func Chart(rows []*Row, metric Metric, paths []string) chart.Chart {
	return chart.Chart{Title: chartTitle(rows, metric, paths), XLabel: "epoch", YLabel: string(metric), Series: Curves(rows, metric, paths)}
}

// chartTitle is "val_accuracy of 3 runs", "… of run 7", with ", mean ± std
// by PATHS" when grouped.
func chartTitle(rows []*Row, metric Metric, paths []string) string {
	title := fmt.Sprintf("%s of %d runs", metric, len(rows))
	if len(rows) == 1 {
		title = fmt.Sprintf("%s of run %d", metric, rows[0].Run.ID)
	}
	if paths != nil {
		title += ", mean ± std by " + strings.Join(paths, ", ")
	}
	return title
}

// HTML assembles the HTML report of rows: the comparison table (grouped by
// paths if not nil), the curves of metric (per run, then per group), those
// of the training loss, and each run's config.
func HTML(rows []*Row, metric Metric, paths []string, title, generated string) (*htmlreport.Report, error) {
	r := &htmlreport.Report{Title: title, Generated: generated}
	t := RunsTable(rows, Varying(rows), metric)
	if paths != nil {
		t = GroupsTable(GroupBy(rows, paths, metric), paths, metric)
	}
	r.Table = htmlTable(t)
	charts := []chart.Chart{Chart(rows, metric, nil)}
	if paths != nil {
		charts = append(charts, Chart(rows, metric, paths))
	}
	if metric != record.Loss {
		charts = append(charts, Chart(rows, record.Loss, nil))
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := chart.Render(&b, c, "svg"); err != nil {
			return nil, err
		}
		r.Charts = append(r.Charts, htmlreport.Figure{Title: c.Title, SVG: b.Bytes()})
	}
	r.Charts = append(r.Charts, SearchFigures(rows, metric)...)
	for _, row := range rows {
		title := fmt.Sprintf("run %d: %s (%s), %s", row.Run.ID, row.Run.Name, row.Run.ModelName, row.Run.Status)
		if p := record.FormatParams(row.Run.Params); p != "" {
			title += ": " + p
		}
		r.Runs = append(r.Runs, htmlreport.Run{ID: row.Run.ID, Title: title, Config: row.Run.ConfigYAML})
	}
	return r, nil
}

// htmlTable converts a comparison table for the HTML report.
func htmlTable(t *Table) htmlreport.Table {
	out := htmlreport.Table{Header: append([]string(nil), t.Columns...), Best: t.Best}
	for _, r := range t.Rows {
		var cells []string
		for _, c := range r {
			cells = append(cells, c.Text)
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}
