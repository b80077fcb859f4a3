package htmlreport

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/search"
)

// SearchAxis is one axis of a sweep as the search charts draw it: its
// parameter (kind and bounds) and, for a categorical axis, the label of
// each choice index.
type SearchAxis struct {
	search.Param
	Labels []string
}

// SearchTrial is one trial of a sweep as the search charts draw it.
type SearchTrial struct {
	Label  string    // shown on hover, e.g. "trial 3"
	Params []float64 // one per axis: the value, or the choice index
	Value  float64   // the trial's metric; NaN when it has none (failed)
}

// svgDoc accumulates the markup of one chart. Every text is escaped when
// written; numbers are formatted by the methods themselves.
type svgDoc struct {
	b    strings.Builder
	w, h float64
}

func newSVG(w, h float64) *svgDoc {
	d := &svgDoc{w: w, h: h}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="11">`, w, h, w, h)
	return d
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// shorten cuts a label to n runes, ending it with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (d *svgDoc) text(x, y float64, anchor, s string, extra string) {
	fmt.Fprintf(&d.b, `<text x="%.1f" y="%.1f" text-anchor="%s"%s>%s</text>`, x, y, anchor, extra, esc(s))
}

// label writes s cut to n characters (see shorten); a text cut short
// carries its full text in a <title>, which a browser shows on hover.
func (d *svgDoc) label(x, y float64, anchor, s string, n int, extra string) {
	short := shorten(s, n)
	if short == s {
		d.text(x, y, anchor, s, extra)
		return
	}
	fmt.Fprintf(&d.b, `<text x="%.1f" y="%.1f" text-anchor="%s"%s><title>%s</title>%s</text>`, x, y, anchor, extra, esc(s), esc(short))
}

func (d *svgDoc) line(x1, y1, x2, y2 float64, stroke string) {
	fmt.Fprintf(&d.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, x1, y1, x2, y2, stroke)
}

func (d *svgDoc) bytes() []byte { return []byte(d.b.String() + "</svg>") }

// fmtNum formats an axis or metric value compactly.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// viridis maps t in [0, 1] to a colour of the viridis colour map.
func viridis(t float64) string {
	stops := [][3]float64{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}
	if math.IsNaN(t) {
		return "#bbbbbb"
	}
	t = math.Min(math.Max(t, 0), 1) * float64(len(stops)-1)
	i := min(int(t), len(stops)-2)
	f := t - float64(i)
	var c [3]int
	for k := range c {
		c[k] = int(math.Round(stops[i][k] + f*(stops[i+1][k]-stops[i][k])))
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}

// position maps a value of the axis to [0, 1]: linearly, in log space for
// a log-uniform axis, evenly spaced choices for a categorical one. The
// bounds are widened to the values seen, so nothing falls outside.
func (a SearchAxis) position(v float64) float64 {
	if a.Kind == search.Categorical {
		if a.Choices <= 1 {
			return 0.5
		}
		return v / float64(a.Choices-1)
	}
	lo, hi := a.Lo, a.Hi
	if a.Kind == search.LogUniform {
		lo, hi, v = math.Log(lo), math.Log(hi), math.Log(v)
	}
	if hi <= lo {
		return 0.5
	}
	return (v - lo) / (hi - lo)
}

// ticks returns the positions and labels of an axis's ticks (a choice's
// label in full: the caller cuts it to its room).
func (a SearchAxis) ticks() ([]float64, []string) {
	var pos []float64
	var lab []string
	if a.Kind == search.Categorical {
		for i := range a.Choices {
			l := strconv.Itoa(i)
			if i < len(a.Labels) {
				l = a.Labels[i]
			}
			pos, lab = append(pos, a.position(float64(i))), append(lab, l)
		}
		return pos, lab
	}
	mid := (a.Lo + a.Hi) / 2
	if a.Kind == search.LogUniform {
		mid = math.Sqrt(a.Lo * a.Hi)
	}
	if a.Kind == search.Int {
		mid = math.Round(mid)
	}
	for _, v := range []float64{a.Lo, mid, a.Hi} {
		if len(pos) > 0 && a.position(v) == pos[len(pos)-1] {
			continue
		}
		pos, lab = append(pos, a.position(v)), append(lab, fmtNum(v))
	}
	return pos, lab
}

// metricAxis returns a linear axis spanning the finite values.
func metricAxis(name string, trials []SearchTrial) SearchAxis {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range trials {
		if !math.IsNaN(t.Value) && !math.IsInf(t.Value, 0) {
			lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
		}
	}
	if lo > hi {
		lo, hi = 0, 1
	}
	return SearchAxis{Param: search.Param{Name: name, Kind: search.Uniform, Lo: lo, Hi: hi}}
}

// colourOf colours a trial by its metric on the metric axis.
func colourOf(m SearchAxis, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return viridis(math.NaN())
	}
	return viridis(m.position(v))
}
