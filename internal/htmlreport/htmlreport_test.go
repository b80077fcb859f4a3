package htmlreport

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/chart"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// smallReport is a report with every part, and a hand-written SVG so that
// its golden file does not change with package chart's drawing.
func smallReport(t *testing.T) Report {
	return Report{
		Title:     "exp report: mnist",
		Generated: "2025-01-02 03:04:05 UTC",
		Table: Table{
			Header: []string{"run", "variant", "lr", "epochs", "best val_accuracy", "val_loss"},
			Rows: [][]string{
				{"1", "mlp", "0.0001", "100", "0.9806", "0.071"},
				{"2", "cnn", "0.0001", "100", "0.9923", "0.029"},
				{"3", "cnn", "0.001", "12", "0.9911 ± 0.0004", "-"},
			},
			Best: 1,
		},
		Charts: []Figure{{Title: "val_accuracy", SVG: readFile(t, filepath.Join("testdata", "tiny.svg"))}},
		Runs: []Run{
			{ID: 1, Title: "run 1: mlp (variant=mlp)", Config: "model:\n  layers:\n    - dense: {units: 128, activation: relu}\ntrain:\n  learning_rate: 0.0001\n"},
			{ID: 2, Title: "run 2: cnn (variant=cnn)", Config: "model:\n  layers:\n    - conv: {filters: 16}\n"},
		},
	}
}

func write(t *testing.T, r Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String()
}

// TestGolden pins the HTML of a small report. Regenerate with
// go test ./htmlreport -run TestGolden -update.
func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		report func(t *testing.T) Report
	}{
		{"report", smallReport},
		{"empty", func(*testing.T) Report { return Report{Title: "nothing yet", Table: Table{Best: -1}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := write(t, tt.report(t))
			path := filepath.Join("testdata", tt.name+".golden.html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := string(readFile(t, path))
			if got != want {
				t.Errorf("HTML differs from %s (run with -update to accept):\n%s", path, firstDiff(got, want))
			}
		})
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// hostile is a text trying to break out of wherever it is put.
func hostile(field string) string {
	return `<script>alert("` + field + `")</script> & more`
}

// renderChart renders c as SVG with package chart.
func renderChart(t *testing.T, c chart.Chart) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := chart.Render(&buf, c, "svg"); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	// xmlnsRE matches the namespace declarations of inline SVG, which name
	// URLs that are never fetched.
	xmlnsRE = regexp.MustCompile(`xmlns(:\w+)?="[^"]*"`)
	urlRE   = regexp.MustCompile(`(?i)(https?:|ftp:)?//[a-z0-9]|(src|href|action|poster)\s*=|url\(|@import`)
)

func TestEscaping(t *testing.T) {
	chartSVG := renderChart(t, chart.Chart{
		Title: hostile("chart title"), XLabel: hostile("x label"), YLabel: "accuracy",
		Series: []chart.Series{
			{Label: "</svg>" + hostile("label"), X: []float64{1, 2, 3}, Y: []float64{0.5, 0.7, 0.8}},
		},
	})
	r := Report{
		Title:     hostile("title"),
		Generated: hostile("generated"),
		Table: Table{
			Header: []string{hostile("header"), "acc"},
			Rows:   [][]string{{hostile("cell"), "0.9"}, {"b", "0.8"}},
			Best:   0,
		},
		Charts: []Figure{{Title: hostile("figure"), SVG: chartSVG}},
		Runs:   []Run{{ID: 7, Title: hostile("run title"), Config: "name: " + hostile("config") + "\n"}},
	}
	out := write(t, r)

	if strings.Contains(strings.ToLower(out), "<script") {
		t.Errorf("output has a <script element:\n%s", out)
	}
	for _, field := range []string{"title", "generated", "header", "cell", "figure", "run title", "config", "chart title", "x label", "label"} {
		want := html.EscapeString(hostile(field)) // &lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; more
		if !strings.Contains(out, want) {
			t.Errorf("field %q: escaped text %q not in the output", field, want)
		}
	}
	if !strings.Contains(out, html.EscapeString("</svg>")) {
		t.Error("the </svg> in a chart label is not escaped")
	}
	if n := strings.Count(out, "</svg>"); n != 1 {
		t.Errorf("%d </svg> tags, want 1 (the chart's own)", n)
	}
	rest := xmlnsRE.ReplaceAllString(out, "")
	if m := urlRE.FindAllString(rest, -1); len(m) > 0 {
		t.Errorf("output references something outside the document: %q", m)
	}
}

func TestWriteErrors(t *testing.T) {
	rows := [][]string{{"a"}, {"b"}}
	tests := []struct {
		name   string
		report Report
		want   string
	}{
		{"best past the rows", Report{Table: Table{Rows: rows, Best: 2}}, "Table.Best is 2, want -1 or a row index below 2"},
		{"best below -1", Report{Table: Table{Rows: rows, Best: -2}}, "Table.Best is -2"},
		{"SVG not XML", Report{Table: Table{Best: -1}, Charts: []Figure{{Title: "loss", SVG: []byte("<svg><g></svg>")}}}, `chart 0 ("loss"): bad SVG`},
		{"SVG empty", Report{Table: Table{Best: -1}, Charts: []Figure{{Title: "acc"}}}, "no <svg> element"},
		{"not SVG", Report{Table: Table{Best: -1}, Charts: []Figure{{SVG: []byte("<html></html>")}}}, "root element is <html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.report)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

func TestBestRow(t *testing.T) {
	rows := [][]string{{"a"}, {"b"}, {"c"}}
	tests := []struct {
		name  string
		table Table
		best  string // text of the highlighted row's cell, "" for none
	}{
		{"first", Table{Rows: rows, Best: 0}, "a"},
		{"last", Table{Rows: rows, Best: 2}, "c"},
		{"none", Table{Rows: rows, Best: -1}, ""},
		{"no rows, zero Best", Table{Header: []string{"h"}}, ""},
	}
	bestRE := regexp.MustCompile(`<tr class="best"[^>]*><td>([^<]*)</td>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := write(t, Report{Title: "t", Table: tt.table})
			m := bestRE.FindAllStringSubmatch(out, -1)
			switch {
			case tt.best == "" && len(m) != 0:
				t.Errorf("highlighted %q, want no highlight", m)
			case tt.best != "" && (len(m) != 1 || m[0][1] != tt.best):
				t.Errorf("highlighted %q, want just %q", m, tt.best)
			}
		})
	}
}

func TestNumericColumns(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want []bool // per column
	}{
		{"numbers", [][]string{{"1", "0.98", "1e-4", "42%", "-0.5", "+3", ".5"}}, []bool{true, true, true, true, true, true, true}},
		{"mean ± std", [][]string{{"0.981 ± 0.002", "98.1% ± 0.2%"}}, []bool{true, true}},
		{"blanks allowed", [][]string{{"1", "-"}, {"—", "2"}, {"", "n/a"}}, []bool{true, true}},
		{"only blanks", [][]string{{"-"}, {""}}, []bool{false}},
		{"words", [][]string{{"cnn", "1"}, {"2", "x"}}, []bool{false, false}},
		{"lr=0.1 is not a number", [][]string{{"lr=0.1"}}, []bool{false}},
		{"ragged rows", [][]string{{"a", "1"}, {"b"}, {"c", "2", "3"}}, []bool{false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			num := numericColumns(Table{Rows: tt.rows})
			for j, want := range tt.want {
				if num[j] != want {
					t.Errorf("column %d numeric = %v, want %v", j, num[j], want)
				}
			}
		})
	}
}
