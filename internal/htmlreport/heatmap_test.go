package htmlreport

import (
	"encoding/xml"
	"html"
	"strings"
	"testing"
)

// irisLabels are the class names, which ran into each other
// ("setosaversicolorvirginica") above 44-pixel cells.
var irisLabels = []string{"setosa", "versicolor", "virginica"}

// longLabels share a long prefix, and one is hostile.
var longLabels = []string{"a_very_long_class_name_number_1", "a_very_long_class_name_number_2", `<script>alert("x")</script> & more`}

func matrix(n int) [][]int64 {
	m := make([][]int64, n)
	for i := range m {
		m[i] = make([]int64, n)
		m[i][i] = int64(10 + i)
	}
	return m
}

// TestHeatmapLabels: class names wider than a cell are written at 45°,
// names longer than 18 characters are cut in their middle (so that names
// with a common prefix stay apart), every name has its full text in a
// <title>, escaped, and the SVG is well-formed; short names stay level.
func TestHeatmapLabels(t *testing.T) {
	for _, tc := range []struct {
		labels  []string
		rotated bool
		shown   []string
	}{
		{[]string{"cat", "dog", "eel"}, false, []string{"cat", "dog", "eel"}},
		{irisLabels, true, irisLabels},
		{longLabels, true, []string{"a_very_l…_number_1", "a_very_l…_number_2", "&lt;script&gt;…t&gt; &amp; more"}},
	} {
		svg := string(Heatmap("confusion", tc.labels, matrix(len(tc.labels))).SVG)
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("%v: not well-formed: %v", tc.labels, err)
		}
		if got := strings.Count(svg, `transform="rotate(-45`); (got > 0) != tc.rotated || (tc.rotated && got != len(tc.labels)) {
			t.Errorf("%v: %d rotated names, want rotated %v", tc.labels, got, tc.rotated)
		}
		for i, l := range tc.labels {
			full := "<title>" + html.EscapeString(l) + "</title>"
			if n := strings.Count(svg, full+tc.shown[i]+"</text>"); n != 2 { // its column and its row
				t.Errorf("%v: name %d written %d times as %s%s, want 2", tc.labels, i, n, full, tc.shown[i])
			}
		}
		if strings.Contains(svg, "<script>") {
			t.Errorf("%v: an unescaped name", tc.labels)
		}
	}
	for s, want := range map[string]string{"abcdefghijklmnopqrstuvwxyz": "abcdefgh…rstuvwxyz", "abcdefghijklmnopqr": "abcdefghijklmnopqr",
		"ééééééééééééééééééééé": "éééééééé…ééééééééé"} {
		if got := cutMiddle(s, 18); got != want {
			t.Errorf("cutMiddle(%q) = %q, want %q", s, got, want)
		}
	}
}
