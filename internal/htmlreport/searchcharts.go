package htmlreport

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/importance"
	"github.com/exp-runner/exp/internal/search"
)

// ImportanceChart draws each parameter's importance (a share in [0, 1])
// as a horizontal bar, in the given order, with the method's name under
// the bars.
func ImportanceChart(imps []importance.Importance, method, metric string) Figure {
	const left, barW, rowH, top = 170.0, 380.0, 22.0, 16.0
	d := newSVG(math.Max(640, 60+5.6*float64(len([]rune(method)))), top+rowH*float64(len(imps))+44)
	for i, imp := range imps {
		y := top + rowH*float64(i)
		d.label(left-8, y+14, "end", imp.Name, 26, "")
		w := barW * math.Min(math.Max(imp.Value, 0), 1)
		fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			left, y+3, w, rowH-6, viridis(0.3), esc(imp.Name), fmtNum(imp.Value))
		d.text(left+w+6, y+14, "start", fmt.Sprintf("%.3f", imp.Value), "")
	}
	y := top + rowH*float64(len(imps))
	d.line(left, top, left, y, "#444")
	d.text(12, y+18, "start", "importance for "+metric+" (share of variance, 0 to 1)", "")
	d.text(12, y+34, "start", "method: "+method, ` fill="#555" font-size="10"`)
	return Figure{Title: "Hyperparameter importance for " + metric, SVG: d.bytes()}
}

// ParallelCoordinates draws every trial as one polyline across the axes and
// a last axis for the metric, coloured by the metric (trials without a
// value in grey, stopping at the last parameter axis). Log-uniform axes are
// in log scale; categorical axes space their choices evenly.
func ParallelCoordinates(axes []SearchAxis, trials []SearchTrial, metric string) Figure {
	const left, right, top, bottom = 80.0, 100.0, 34.0, 24.0
	m := metricAxis(metric, trials)
	all := append(slices.Clone(axes), m)
	w := math.Max(480, left+right+130*float64(len(all)-1))
	d := newSVG(w, 340)
	plotH := d.h - top - bottom
	xOf := func(i int) float64 {
		if len(all) == 1 {
			return left
		}
		return left + (w-left-right)*float64(i)/float64(len(all)-1)
	}
	yOf := func(p float64) float64 { return top + plotH*(1-p) }
	// Trials without a value first, so the coloured ones are drawn on top.
	order := make([]int, len(trials))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return boolInt(isFinite(trials[a].Value)) - boolInt(isFinite(trials[b].Value))
	})
	for _, ti := range order {
		t := trials[ti]
		var pts []string
		for i, a := range axes {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(i), yOf(a.position(t.Params[i]))))
		}
		if isFinite(t.Value) {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(len(axes)), yOf(m.position(t.Value))))
		}
		fmt.Fprintf(&d.b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.2" stroke-opacity="0.75"><title>%s</title></polyline>`,
			strings.Join(pts, " "), colourOf(m, t.Value), esc(trialTitle(axes, t, metric)))
	}
	for i, a := range all {
		drawVerticalAxis(d, a, xOf(i), top, plotH)
	}
	drawColourLegend(d, m, w-right+40, top)
	return Figure{Title: "Parallel coordinates: all trials, coloured by " + metric, SVG: d.bytes()}
}

// drawVerticalAxis draws an axis line at x with its ticks and name.
func drawVerticalAxis(d *svgDoc, a SearchAxis, x, top, h float64) {
	d.line(x, top, x, top+h, "#444")
	pos, lab := a.ticks()
	for i, p := range pos {
		y := top + h*(1-p)
		d.line(x-3, y, x, y, "#444")
		d.label(x-5, y+4, "end", lab[i], 14, ` font-size="9" fill="#333" stroke="#fff" stroke-width="3" style="paint-order:stroke"`)
	}
	name := a.Name
	if a.Kind == search.LogUniform {
		name += " (log)"
	}
	d.label(x, top-10, "middle", name, 20, ` font-weight="bold"`)
}

// drawColourLegend draws five swatches of the metric's colours, high on top.
func drawColourLegend(d *svgDoc, m SearchAxis, x, top float64) {
	for i := range 5 {
		p := 1 - float64(i)/4
		y := top + float64(i)*22
		fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="14" height="14" fill="%s"/>`, x, y, viridis(p))
		d.text(x+18, y+11, "start", fmtNum(m.Lo+p*(m.Hi-m.Lo)), ` font-size="9"`)
	}
	fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="14" height="14" fill="%s"/>`, x, top+5*22, viridis(math.NaN()))
	d.text(x+18, top+5*22+11, "start", "no value", ` font-size="9"`)
}

// SlicePlots returns one plot per axis: each trial with a value as a point
// at (its value of the axis, its metric), coloured by trial order (darker
// is earlier). Log-uniform axes are in log scale.
func SlicePlots(axes []SearchAxis, trials []SearchTrial, metric string) []Figure {
	m := metricAxis(metric, trials)
	var out []Figure
	for i, a := range axes {
		out = append(out, slicePlot(a, i, m, trials, metric))
	}
	return out
}

func slicePlot(a SearchAxis, p int, m SearchAxis, trials []SearchTrial, metric string) Figure {
	const left, right, top, bottom = 60.0, 16.0, 28.0, 52.0
	d := newSVG(380, 270)
	pw, ph := d.w-left-right, d.h-top-bottom
	// Categorical points sit inside the plot, not on its edges.
	xOf := func(v float64) float64 {
		pos := a.position(v)
		if a.Kind == search.Categorical {
			pos = (v + 0.5) / float64(max(a.Choices, 1))
		}
		return left + pw*pos
	}
	drawVerticalAxis(d, m, left, top, ph)
	d.line(left, top+ph, left+pw, top+ph, "#444")
	drawSliceTicks(d, a, xOf, top+ph)
	for i, t := range trials {
		if !isFinite(t.Value) {
			continue
		}
		fmt.Fprintf(&d.b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s" fill-opacity="0.8"><title>%s</title></circle>`,
			xOf(t.Params[p]), top+ph*(1-m.position(t.Value)), viridis(float64(i)/math.Max(1, float64(len(trials)-1))), esc(trialTitle([]SearchAxis{a}, SearchTrial{Label: t.Label, Params: t.Params[p : p+1], Value: t.Value}, metric)))
	}
	name := a.Name
	if a.Kind == search.LogUniform {
		name += " (log scale)"
	}
	d.label(left+pw/2, d.h-22, "middle", name, 40, ` font-weight="bold"`)
	d.text(d.w-right, d.h-6, "end", "colour: trial order, dark = first", ` font-size="9" fill="#555"`)
	return Figure{Title: metric + " against " + a.Name, SVG: d.bytes()}
}

// drawSliceTicks labels the horizontal axis of a slice plot: a
// categorical axis's choices cut to the room between them (about 5.5
// pixels a character at 9 pixels), from 3 to 12 characters.
func drawSliceTicks(d *svgDoc, a SearchAxis, xOf func(float64) float64, y float64) {
	if a.Kind == search.Categorical {
		room := 12
		if a.Choices > 1 {
			room = min(12, max(3, int((xOf(1)-xOf(0))/5.5)-1))
		}
		for i := range a.Choices {
			l := fmt.Sprint(i)
			if i < len(a.Labels) {
				l = a.Labels[i]
			}
			d.label(xOf(float64(i)), y+14, "middle", l, room, ` font-size="9"`)
		}
		return
	}
	pos, lab := a.ticks()
	for i, p := range pos {
		x := xOf(a.valueAt(p))
		d.line(x, y, x, y+3, "#444")
		d.text(x, y+14, "middle", lab[i], ` font-size="9"`)
	}
}

// valueAt is the inverse of position for numeric axes.
func (a SearchAxis) valueAt(p float64) float64 {
	if a.Kind == search.LogUniform {
		return math.Exp(math.Log(a.Lo) + p*(math.Log(a.Hi)-math.Log(a.Lo)))
	}
	return a.Lo + p*(a.Hi-a.Lo)
}

// trialTitle is the hover text of a trial: its label, values and metric.
func trialTitle(axes []SearchAxis, t SearchTrial, metric string) string {
	parts := []string{t.Label}
	for i, a := range axes {
		v := fmtNum(t.Params[i])
		if a.Kind == search.Categorical && int(t.Params[i]) < len(a.Labels) {
			v = a.Labels[int(t.Params[i])]
		}
		parts = append(parts, a.Name+"="+v)
	}
	val := "no value"
	if isFinite(t.Value) {
		val = fmtNum(t.Value)
	}
	return strings.Join(parts, " ") + ": " + metric + " " + val
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
