package report

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/record"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Cell is one table cell: Text is shown on a terminal and in markdown; Value
// (typed: number, string, nil) goes to CSV and JSON and orders sorting.
type Cell struct {
	Text  string
	Value any
}

// Table is a comparison table, rendered in several formats.
type Table struct {
	Columns []string
	Rows    [][]Cell
	Best    int // index of the row to make stand out; -1 for none
	// pm, if > 0, is the index of a mean column followed by its std column,
	// shown as one "mean ± std" column on a terminal and in markdown.
	pm int
	// ranked is the index of the column the rows are ranked by ("best M",
	// or "mean best M" by groups), which Sort calls "best"; 0 for none (it
	// is never the first).
	ranked int
}

// Formats lists the output formats of Render.
var Formats = []string{"table", "markdown", "csv", "json"}

// FormatMetric formats a metric value: accuracies as percentages, losses with
// four decimals; "—" for none.
func FormatMetric(m Metric, v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "—"
	}
	if m.HigherIsBetter() {
		return fmt.Sprintf("%.2f%%", 100**v)
	}
	return fmt.Sprintf("%.4f", *v)
}

func metricCell(m Metric, v *float64) Cell {
	if v == nil || math.IsNaN(*v) {
		return Cell{Text: "—"}
	}
	return Cell{Text: FormatMetric(m, v), Value: *v}
}

func valueCell(v any, ok bool) Cell {
	if !ok {
		return Cell{Text: "—"}
	}
	return Cell{Text: record.FormatValue(v), Value: v}
}

// RunsTable has one row per run: id, name, model, the hyperparameters in
// varying, the best value of metric and its epoch, the final value, epochs
// done, time and status; best first.
func RunsTable(rows []*Row, varying []string, metric Metric) *Table {
	t := &Table{Columns: []string{"id", "name", "model"}, Best: -1}
	t.Columns = append(t.Columns, varying...)
	t.ranked = len(t.Columns)
	t.Columns = append(t.Columns, "best "+string(metric), "best epoch", "final "+string(metric), "epochs", "time", "status")
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b *Row) int { return compareBest(metric, a, b) })
	for _, r := range sorted {
		cells := []Cell{
			{Text: fmt.Sprint(r.Run.ID), Value: r.Run.ID},
			{Text: r.Run.Name, Value: r.Run.Name},
			{Text: r.Run.ModelName, Value: r.Run.ModelName},
		}
		for _, p := range varying {
			cells = append(cells, valueCell(r.Value(p)))
		}
		best := Cell{Text: "—"}
		if r.BestEpoch > 0 {
			best = Cell{Text: fmt.Sprint(r.BestEpoch), Value: r.BestEpoch}
		}
		cells = append(cells, metricCell(metric, r.Best), best, metricCell(metric, r.Final),
			Cell{Text: fmt.Sprintf("%d/%d", len(r.Epochs), r.Run.Epochs), Value: len(r.Epochs)},
			Cell{Text: Duration(r.Seconds), Value: math.Round(r.Seconds*1000) / 1000},
			Cell{Text: string(r.Run.Status), Value: string(r.Run.Status)})
		t.Rows = append(t.Rows, cells)
	}
	if len(sorted) > 0 && sorted[0].Best != nil {
		t.Best = 0
	}
	return t
}

// compareBest orders rows best first, rows without a value last, then by id.
func compareBest(m Metric, a, b *Row) int {
	switch {
	case a.Best == nil && b.Best == nil:
	case a.Best == nil:
		return 1
	case b.Best == nil:
		return -1
	case m.Better(*a.Best, *b.Best):
		return -1
	case m.Better(*b.Best, *a.Best):
		return 1
	}
	return cmp.Compare(a.Run.ID, b.Run.ID)
}

// GroupsTable has one row per group: the group's values at paths, n (runs
// with a value), the mean and sample std of their best metric values, and
// the best run's id; best mean first.
func GroupsTable(groups []*Group, paths []string, metric Metric) *Table {
	t := &Table{Best: -1}
	t.Columns = append(append(t.Columns, paths...), "n", "mean best "+string(metric), "std", "best run")
	t.pm = len(paths) + 1
	t.ranked = t.pm
	sorted := slices.Clone(groups)
	slices.SortStableFunc(sorted, func(a, b *Group) int {
		an, bn := math.IsNaN(a.Mean), math.IsNaN(b.Mean)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		case metric.Better(a.Mean, b.Mean):
			return -1
		case metric.Better(b.Mean, a.Mean):
			return 1
		}
		return 0
	})
	for _, g := range sorted {
		var cells []Cell
		for _, k := range g.Key {
			cells = append(cells, valueCell(k, k != nil))
		}
		mean, std := g.Mean, g.Std
		stdCell := Cell{Text: "—"}
		if !math.IsNaN(std) {
			stdCell = Cell{Text: FormatMetric(metric, &std), Value: std}
		}
		bestRun := Cell{Text: "—"}
		if g.Best != nil {
			bestRun = Cell{Text: fmt.Sprint(g.Best.Run.ID), Value: g.Best.Run.ID}
		}
		cells = append(cells, Cell{Text: fmt.Sprint(g.N), Value: g.N}, metricCell(metric, &mean), stdCell, bestRun)
		t.Rows = append(t.Rows, cells)
	}
	if len(sorted) > 0 && !math.IsNaN(sorted[0].Mean) {
		t.Best = 0
	}
	return t
}

// Sort orders the rows by the comma-separated columns of spec, each
// optionally prefixed with - for descending. Names match a column exactly;
// "best" names the column the rows are ranked by ("best val_accuracy", or
// "mean best val_accuracy" by groups); other names match a column by a
// unique first or last word ("final" for "final val_accuracy").
func (t *Table) Sort(spec string) error {
	type key struct {
		col  int
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		col, err := t.column(name)
		if err != nil {
			return err
		}
		keys = append(keys, key{col, desc})
	}
	var best []Cell
	if t.Best >= 0 {
		best = t.Rows[t.Best]
	}
	slices.SortStableFunc(t.Rows, func(a, b []Cell) int {
		for _, k := range keys {
			c := compareValues(a[k.col].Value, b[k.col].Value)
			if k.desc && a[k.col].Value != nil && b[k.col].Value != nil {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	if best != nil {
		for i, r := range t.Rows {
			if &r[0] == &best[0] {
				t.Best = i
			}
		}
	}
	return nil
}

func (t *Table) column(name string) (int, error) {
	for i, c := range t.Columns {
		if c == name {
			return i, nil
		}
	}
	if name == "best" && t.ranked > 0 {
		return t.ranked, nil
	}
	match := -1
	for i, c := range t.Columns {
		if strings.HasPrefix(c, name+" ") || strings.HasSuffix(c, " "+name) {
			if match >= 0 {
				return 0, fmt.Errorf("column %q is ambiguous (columns: %s)", name, strings.Join(t.Columns, ", "))
			}
			match = i
		}
	}
	if match < 0 {
		return 0, fmt.Errorf("no column %q (columns: %s)", name, strings.Join(t.Columns, ", "))
	}
	return match, nil
}

// compareValues orders numbers numerically, strings lexically, nil last.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	fa, aok := toFloat(toComparable(a))
	fb, bok := toFloat(toComparable(b))
	if aok && bok {
		return cmp.Compare(fa, fb)
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func toComparable(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	}
	return v
}

// Top keeps the first n rows (n ≤ 0 keeps all).
func (t *Table) Top(n int) {
	if n > 0 && n < len(t.Rows) {
		t.Rows = t.Rows[:n]
		if t.Best >= n {
			t.Best = -1
		}
	}
}

// Render writes the table in format (table, markdown, csv or json). With
// color, the table format marks the best row in bold green (for a terminal).
func (t *Table) Render(w io.Writer, format string, color bool) error {
	switch format {
	case "csv":
		return t.csv(w)
	case "json":
		return t.json(w)
	case "table", "markdown":
		return t.text(w, format == "markdown", color)
	}
	return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}

func (t *Table) csv(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, c := range r {
			if c.Value != nil {
				rec[i] = csvValue(c.Value)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprint(f)
	}
	return fmt.Sprint(v)
}

func (t *Table) json(w io.Writer) error {
	records := make([][]any, len(t.Rows))
	for i, r := range t.Rows {
		for _, c := range r {
			records[i] = append(records[i], c.Value)
		}
	}
	return WriteJSON(w, t.Columns, records)
}

// WriteJSON writes records as a JSON array of objects whose keys are the
// columns, in column order; NaN and infinities become null.
func WriteJSON(w io.Writer, columns []string, records [][]any) error {
	var b strings.Builder
	b.WriteString("[")
	for i, rec := range records {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, v := range rec {
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				v = nil
			}
			k, _ := json.Marshal(columns[j])
			val, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if j > 0 {
				b.WriteString(", ")
			}
			b.Write(k)
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(records) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes records as CSV under a header of the columns: values as
// fmt formats them, nil as an empty field.
func WriteCSV(w io.Writer, columns []string, records [][]any) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for _, rec := range records {
		s := make([]string, len(rec))
		for i, v := range rec {
			if v != nil {
				s[i] = fmt.Sprint(v)
			}
		}
		if err := cw.Write(s); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportFormats are the formats of WriteEpochs.
var ExportFormats = []string{"csv", "json"}

// WriteEpochs writes the epochs of rows (see EpochRecords) as CSV or JSON.
func WriteEpochs(w io.Writer, format string, rows []*Row) error {
	cols, recs := EpochRecords(rows)
	switch format {
	case "csv":
		return WriteCSV(w, cols, recs)
	case "json":
		return WriteJSON(w, cols, recs)
	}
	return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(ExportFormats, ", "))
}

func (t *Table) text(w io.Writer, markdown, color bool) error {
	cols := t.Columns
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		for _, c := range r {
			rows[i] = append(rows[i], c.Text)
		}
	}
	if t.pm > 0 {
		cols = slices.Concat(cols[:t.pm], []string{cols[t.pm] + " ± std"}, cols[t.pm+2:])
		for i, r := range rows {
			merged := r[t.pm]
			if r[t.pm+1] != "—" {
				merged += " ± " + r[t.pm+1]
			}
			rows[i] = slices.Concat(r[:t.pm], []string{merged}, r[t.pm+2:])
		}
	}
	if t.Best >= 0 {
		for j := range rows[t.Best] {
			switch {
			case markdown:
				rows[t.Best][j] = "**" + rows[t.Best][j] + "**"
			case color:
				rows[t.Best][j] = "\x1b[1;32m" + rows[t.Best][j] + "\x1b[0m"
			}
		}
	}
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off)}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tbl := tablewriter.NewTable(w, opts...)
	tbl.Header(cols)
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	return tbl.Render()
}
