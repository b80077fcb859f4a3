package infer

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Table is predictions as rows of named columns, in input order.
type Table struct {
	Columns []string
	Rows    [][]string
	// Warnings are about the predictions (examples whose output is NaN),
	// for standard error.
	Warnings []string
	// numeric marks the columns written as JSON numbers.
	numeric map[string]bool
}

// PredictionTable lays out out for in: the identifier, the inputs' other
// columns, prediction, and for classification probability, then (probs)
// one p_<class> column per class, then (topK > 0) the K most likely.
func (m *Model) PredictionTable(in *Inputs, out *Output, probs bool, topK int) *Table {
	t := &Table{Columns: append([]string{in.IDName}, in.Columns...), numeric: map[string]bool{in.IDName: in.IDName != "path"}}
	t.Columns = append(t.Columns, "prediction")
	if m.Classification() {
		t.Columns = append(t.Columns, "probability")
		t.numeric["probability"] = true
		if probs {
			for _, c := range m.Classes {
				t.Columns = append(t.Columns, "p_"+c)
				t.numeric["p_"+c] = true
			}
		}
		if topK > 0 {
			t.Columns = append(t.Columns, "top_k")
		}
	} else {
		t.numeric["prediction"] = m.m.Info.TargetDim == 1
	}
	nan := map[int]bool{}
	for _, i := range out.NonFinite() {
		nan[i] = true
	}
	for i := 0; i < out.N; i++ {
		row := append([]string{in.IDs[i]}, extra(in, i)...)
		t.Rows = append(t.Rows, append(row, m.predictionCells(out, i, probs, topK, nan[i])...))
	}
	return t
}

func extra(in *Inputs, i int) []string {
	if in.Extra == nil {
		return nil
	}
	return in.Extra[i]
}

// predictionCells are example i's cells; for an output that is not a
// number (nan) the prediction, its probability and the top classes say
// NaN, and the values are written as they are.
func (m *Model) predictionCells(out *Output, i int, probs bool, topK int, nan bool) []string {
	if !m.Classification() {
		d := m.m.Info.TargetDim
		vals := make([]string, d)
		for k := range d {
			vals[k] = fmtFloat(float64(out.Values[i*d+k]))
		}
		return []string{strings.Join(vals, " ")}
	}
	k := len(m.Classes)
	p := out.Probs[i*k : (i+1)*k]
	cells := []string{"NaN", "NaN"}
	if pred := out.Pred[i]; !nan {
		cells = []string{m.Classes[pred], fmtFloat(float64(p[pred]))}
	}
	if probs {
		for _, v := range p {
			cells = append(cells, fmtFloat(float64(v)))
		}
	}
	switch {
	case topK > 0 && nan:
		cells = append(cells, "NaN")
	case topK > 0:
		cells = append(cells, m.top(p, topK))
	}
	return cells
}

// top lists the k most likely classes as "name:p" separated by spaces.
func (m *Model) top(p []float32, k int) string {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	var parts []string
	for _, c := range order[:min(k, len(order))] {
		parts = append(parts, m.Classes[c]+":"+fmtFloat(float64(p[c])))
	}
	return strings.Join(parts, " ")
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// Write writes t as format: table (aligned columns), csv or json (an
// array of objects).
func (t *Table) Write(w io.Writer, format string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.Columns)
		cw.WriteAll(t.Rows)
		return cw.Error()
	case "json":
		return t.writeJSON(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Columns, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func (t *Table) writeJSON(w io.Writer) error {
	var b strings.Builder
	b.WriteString("[\n")
	for i, r := range t.Rows {
		b.WriteString("  {")
		for k, c := range t.Columns {
			if k > 0 {
				b.WriteString(", ")
			}
			key, _ := json.Marshal(c)
			b.Write(key)
			b.WriteString(": ")
			v, err := strconv.ParseFloat(r[k], 64)
			switch {
			case err == nil && t.numeric[c] && (math.IsNaN(v) || math.IsInf(v, 0)):
				b.WriteString("null") // JSON has no NaN or infinity
			case err == nil && t.numeric[c]:
				b.WriteString(r[k])
			default:
				v, _ := json.Marshal(r[k])
				b.Write(v)
			}
		}
		b.WriteString("}")
		if i < len(t.Rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
