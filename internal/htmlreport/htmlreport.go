package htmlreport

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
)

// Table is the summary table of a report.
type Table struct {
	Header []string
	Rows   [][]string
	// Best is the index of the row to highlight, or -1 for none. It is
	// ignored when there are no rows.
	Best int
}

// Run is one run's resolved config, shown collapsed under its title.
type Run struct {
	ID int64
	// Title is e.g. "run 3: cnn (variant=cnn train.learning_rate=0.001)".
	Title string
	// Config is the resolved config, as YAML text.
	Config string
}

// Figure is one chart: a title and SVG markup, as written by
// chart.Render(w, c, "svg").
type Figure struct {
	Title string
	SVG   []byte
}

// Report is everything in one HTML report.
type Report struct {
	Title string
	// Generated is a timestamp text given by the caller, shown under the
	// title (nothing is shown when it is empty).
	Generated string
	Table     Table
	Charts    []Figure
	Runs      []Run
}

//go:embed report.html.tmpl
var reportTemplate string

var tmpl = template.Must(template.New("report").Parse(reportTemplate))

// Write writes the report as one HTML document to w. It fails, writing
// nothing, when Table.Best is neither -1 nor a row index, or when a
// figure's SVG is not a well-formed <svg> document.
func Write(w io.Writer, r Report) error {
	v, err := newView(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// view is the template's data: Report with the table's numeric columns
// marked and each figure's SVG made safe to inline.
type view struct {
	Title, Generated string
	Header           []cell
	Rows             []row
	Charts           []figureView
	Runs             []Run
}

type cell struct {
	Text string
	Num  bool // right-aligned
}

type row struct {
	Cells []cell
	Best  bool
}

type figureView struct {
	Title string
	SVG   template.HTML
}

func newView(r Report) (*view, error) {
	t := r.Table
	if len(t.Rows) > 0 && (t.Best < -1 || t.Best >= len(t.Rows)) {
		return nil, fmt.Errorf("htmlreport: Table.Best is %d, want -1 or a row index below %d", t.Best, len(t.Rows))
	}
	v := &view{Title: r.Title, Generated: r.Generated}
	for _, run := range r.Runs {
		run.Config = strings.TrimRight(run.Config, "\n")
		v.Runs = append(v.Runs, run)
	}
	num := numericColumns(t)
	for i, h := range t.Header {
		v.Header = append(v.Header, cell{Text: h, Num: num[i]})
	}
	for i, rs := range t.Rows {
		rw := row{Best: i == t.Best}
		for j, c := range rs {
			rw.Cells = append(rw.Cells, cell{Text: c, Num: num[j]})
		}
		v.Rows = append(v.Rows, rw)
	}
	for i, f := range r.Charts {
		svg, err := inlineSVG(f.SVG)
		if err != nil {
			return nil, fmt.Errorf("htmlreport: chart %d (%q): %w", i, f.Title, err)
		}
		v.Charts = append(v.Charts, figureView{Title: f.Title, SVG: svg})
	}
	return v, nil
}

// numberRE matches a number as a table shows one: 98.06, -0.5, 1e-4, 42%,
// or 0.981 ± 0.002.
var numberRE = regexp.MustCompile(`^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?(\s*±\s*(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?)?$`)

// blankCell is what a table shows for a missing value.
func blankCell(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "-", "—", "–", "n/a", "NaN":
		return true
	}
	return false
}

// numericColumns returns, for each column index, whether every non-blank
// cell of the column is a number (and at least one is).
func numericColumns(t Table) map[int]bool {
	seen, bad := map[int]bool{}, map[int]bool{}
	for _, r := range t.Rows {
		for j, c := range r {
			switch {
			case blankCell(c):
			case numberRE.MatchString(strings.TrimSpace(c)):
				seen[j] = true
			default:
				bad[j] = true
			}
		}
	}
	num := map[int]bool{}
	for j := range seen {
		num[j] = !bad[j]
	}
	return num
}
