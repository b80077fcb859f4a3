package htmlreport

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/importance"
	"github.com/exp-runner/exp/internal/search"
)

// element is a parsed SVG element: its name, attributes and text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG parses doc as XML, failing the test if it is not well formed,
// and returns its elements in document order.
func parseSVG(t *testing.T, doc []byte) []element {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []element
	var stack []int
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed SVG: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root is not <svg>: %s", doc)
	}
	return out
}

func elementsNamed(es []element, name string) []element {
	var out []element
	for _, e := range es {
		if e.name == name {
			out = append(out, e)
		}
	}
	return out
}

// pointsY returns the y coordinates of a polyline's points.
func pointsY(t *testing.T, e element) []float64 {
	t.Helper()
	var ys []float64
	for _, p := range strings.Fields(e.attrs["points"]) {
		_, y, _ := strings.Cut(p, ",")
		v, err := strconv.ParseFloat(y, 64)
		if err != nil {
			t.Fatalf("points %q: %v", e.attrs["points"], err)
		}
		ys = append(ys, v)
	}
	return ys
}

var chartAxes = []SearchAxis{
	{Param: search.Param{Name: "lr", Kind: search.LogUniform, Lo: 1e-4, Hi: 1}},
	{Param: search.Param{Name: "drop", Kind: search.Uniform, Lo: 0, Hi: 0.5}},
	{Param: search.Param{Name: hostile("axis"), Kind: search.Categorical, Choices: 3}, Labels: []string{"relu", hostile("choice"), "tanh"}},
}

var chartTrials = []SearchTrial{
	{Label: "trial 1", Params: []float64{1e-4, 0, 0}, Value: 0.9},
	{Label: "trial 2", Params: []float64{1e-2, 0.25, 1}, Value: 0.95},
	{Label: "trial 3", Params: []float64{1, 0.5, 2}, Value: 0.5},
	{Label: hostile("trial"), Params: []float64{1e-3, 0.1, 1}, Value: math.NaN()},
}

func TestParallelCoordinates(t *testing.T) {
	f := ParallelCoordinates(chartAxes, chartTrials, hostile("metric"))
	es := parseSVG(t, f.SVG)
	lines := elementsNamed(es, "polyline")
	if len(lines) != len(chartTrials) {
		t.Fatalf("%d polylines for %d trials", len(lines), len(chartTrials))
	}
	byLabel := map[string][]float64{}
	for i, e := range es {
		if e.name == "polyline" { // its <title> follows it
			label, _, _ := strings.Cut(es[i+1].text, " lr=")
			byLabel[label] = pointsY(t, e)
		}
	}
	y1, y2, y3 := byLabel["trial 1"], byLabel["trial 2"], byLabel["trial 3"]
	if len(y1) != 4 || len(byLabel[hostile("trial")]) != 3 {
		t.Fatalf("points per polyline: %v; want 4 (3 axes and the metric), 3 without a value", byLabel)
	}
	// lr = 1e-2 is halfway between 1e-4 and 1 on a log axis.
	if math.Abs(y2[0]-(y1[0]+y3[0])/2) > 0.11 {
		t.Errorf("log axis: y of 1e-4, 1e-2, 1 = %v, %v, %v; want the middle halfway", y1[0], y2[0], y3[0])
	}
	// Categorical choices are evenly spaced; the best metric is highest (smallest y).
	if math.Abs((y2[2]-y1[2])-(y3[2]-y2[2])) > 0.11 || y1[2] == y2[2] {
		t.Errorf("categorical axis: y of choices 0, 1, 2 = %v, %v, %v", y1[2], y2[2], y3[2])
	}
	if !(y2[3] < y1[3] && y1[3] < y3[3]) {
		t.Errorf("metric axis: y of 0.95, 0.9, 0.5 = %v, %v, %v", y2[3], y1[3], y3[3])
	}
	if lines[0].attrs["stroke"] != viridis(math.NaN()) {
		t.Errorf("the trial without a value is not drawn first in grey: %v", lines[0].attrs)
	}
}

func TestSlicePlots(t *testing.T) {
	figs := SlicePlots(chartAxes, chartTrials, "val_accuracy")
	if len(figs) != len(chartAxes) {
		t.Fatalf("%d slice plots for %d axes", len(figs), len(chartAxes))
	}
	for i, f := range figs {
		circles := elementsNamed(parseSVG(t, f.SVG), "circle")
		if len(circles) != 3 {
			t.Fatalf("plot %d: %d points, want one per trial with a value (3)", i, len(circles))
		}
		x := func(j int) float64 { v, _ := strconv.ParseFloat(circles[j].attrs["cx"], 64); return v }
		// Trials 1–3 are at the low end, the middle and the high end of each
		// axis (log scale for lr, evenly spaced choices).
		if math.Abs(x(1)-(x(0)+x(2))/2) > 0.11 || !(x(0) < x(1) && x(1) < x(2)) {
			t.Errorf("plot %d (%s): x = %v, %v, %v; want increasing, the middle halfway", i, chartAxes[i].Name, x(0), x(1), x(2))
		}
	}
}

func TestImportanceChart(t *testing.T) {
	imps := []importance.Importance{{Name: "lr", Value: 0.8}, {Name: hostile("axis"), Value: 0.2}, {Name: "noise", Value: 0}}
	es := parseSVG(t, ImportanceChart(imps, importance.Method, "val_loss").SVG)
	rects := elementsNamed(es, "rect")
	if len(rects) != 3 {
		t.Fatalf("%d bars for 3 parameters", len(rects))
	}
	w := func(i int) float64 { v, _ := strconv.ParseFloat(rects[i].attrs["width"], 64); return v }
	if math.Abs(w(0)-4*w(1)) > 0.2 || w(2) != 0 {
		t.Errorf("bar widths %v, %v, %v; want proportional to 0.8, 0.2, 0", w(0), w(1), w(2))
	}
}

// TestSearchChartsEscapeAndInline checks that hostile names come out as
// text, and that Write inlines the charts without dropping anything.
func TestSearchChartsEscapeAndInline(t *testing.T) {
	imps := []importance.Importance{{Name: hostile("axis"), Value: 0.5}}
	figs := append([]Figure{
		ImportanceChart(imps, hostile("method"), hostile("metric")),
		ParallelCoordinates(chartAxes, chartTrials, hostile("metric")),
	}, SlicePlots(chartAxes, chartTrials, hostile("metric"))...)
	for _, f := range figs {
		if strings.Contains(strings.ToLower(string(f.SVG)), "<script") {
			t.Errorf("%s: SVG holds a <script tag:\n%s", f.Title, f.SVG)
		}
		texts := ""
		for _, e := range parseSVG(t, f.SVG) {
			if e.name == "script" {
				t.Errorf("%s: a script element", f.Title)
			}
			texts += e.text + "\n"
		}
		if !strings.Contains(texts, hostile("axis")) && !strings.Contains(texts, hostile("metric")) {
			t.Errorf("%s: the hostile names are not in its text:\n%s", f.Title, texts)
		}
	}
	out := write(t, Report{Title: "sweep", Table: Table{Best: -1}, Charts: figs})
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Error("the report holds a <script tag")
	}
	for _, el := range []string{"<polyline", "<circle", "<rect", "<title>"} {
		want := 0
		for _, f := range figs {
			want += strings.Count(string(f.SVG), el)
		}
		if got := strings.Count(out, el); got < want {
			t.Errorf("%s: %d in the charts, %d in the report: the sanitiser dropped some", el, want, got)
		}
	}
}
