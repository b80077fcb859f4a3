package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one line: a run, or a group of runs (a mean line with a ± std
// band).
type Series struct {
	// Label is the legend text, e.g. "run 3 lr=0.001" or "variant=cnn (n=3)".
	Label string
	// X holds the epochs (1-based).
	X []float64
	// Y holds the metric values, one per X; NaN or ±Inf is a missing point:
	// it is skipped and the line breaks there.
	Y []float64
	// Lo and Hi are an optional band (each as long as Y), e.g. mean-std and
	// mean+std. Both nil means no band.
	Lo, Hi []float64
}

// Chart is one plot of a metric against the epoch.
type Chart struct {
	// Title is drawn above the plot; XLabel and YLabel name the axes
	// (e.g. "epoch" and "val_accuracy"). Any of them may be empty.
	Title, XLabel, YLabel string
	// Series are drawn in order, each in the style SeriesColor(i) with
	// the dash pattern of its colour cycle, and listed in the legend
	// unless their Label is empty.
	Series []Series
	// Width and Height are the size in inches; 0 means DefaultWidth and
	// DefaultHeight.
	Width, Height float64
}

const (
	// DefaultWidth is the width, in inches, of a Chart whose Width is 0.
	DefaultWidth = 8.0
	// DefaultHeight is the height, in inches, of a Chart whose Height is 0.
	DefaultHeight = 5.0
	// MaxSize is the largest width or height, in inches, that Render accepts.
	MaxSize = 50.0
	// DPI is the resolution of PNG output in pixels per inch: a PNG is
	// round(Width*DPI) × round(Height*DPI) pixels. SVG sizes are in points
	// (72 per inch).
	DPI = 96
)

// NoDataText is the note drawn in the plot area of a chart without any
// finite point.
const NoDataText = "no data"

// palette is the Okabe–Ito colour-blind-safe palette without its yellow.
var palette = [...]color.RGBA{
	{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF}, // blue
	{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF}, // orange
	{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF}, // bluish green
	{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF}, // vermillion
	{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
	{R: 0x00, G: 0x00, B: 0x00, A: 0xFF}, // black
}

// dashPatterns are used in turn each time the palette is exhausted.
var dashPatterns = [...][]vg.Length{
	nil, // solid
	{vg.Points(6), vg.Points(3)},
	{vg.Points(1.5), vg.Points(2)},
	{vg.Points(6), vg.Points(2.5), vg.Points(1.5), vg.Points(2.5)},
}

// bandAlpha is the opacity of a band's fill.
const bandAlpha = 0.22

var (
	lineWidth   = vg.Points(1.5)
	markerSize  = vg.Points(3)
	margin      = vg.Points(6)
	legendThumb = vg.Points(24)
	legendGap   = vg.Points(12)  // between the plot and the legend
	legendCol   = vg.Points(14)  // between legend columns
	legendText  = vg.Points(5)   // between a thumbnail and its text
	titleGap    = vg.Points(6)   // between the title and the rest
	tickGap     = vg.Points(1.5) // extra room for a vertical band stub
)

// SeriesColor returns the line colour of the i-th series (0-based) of a
// chart. Colours repeat every NumColors series.
func SeriesColor(i int) color.RGBA {
	return palette[mod(i, len(palette))]
}

// NumColors is the number of distinct series colours.
const NumColors = len(palette)

func seriesDashes(i int) []vg.Length {
	return dashPatterns[mod(i/len(palette), len(dashPatterns))]
}

func mod(a, n int) int {
	a %= n
	if a < 0 {
		a += n
	}
	return a
}

// Formats returns the supported output formats.
func Formats() []string { return []string{"png", "svg"} }

// FormatFromPath returns "png" or "svg" from a file name's extension (in
// any letter case), or an error naming the supported ones.
func FormatFromPath(path string) (string, error) {
	ext := filepath.Ext(path)
	switch f := strings.ToLower(strings.TrimPrefix(ext, ".")); f {
	case "png", "svg":
		return f, nil
	}
	if ext == "" {
		return "", fmt.Errorf("chart: %q has no file extension: want .png or .svg", path)
	}
	return "", fmt.Errorf("chart: unsupported chart format %q in %q: want .png or .svg", ext, path)
}

// Render writes the chart in format "png" or "svg" (in any letter case)
// to w. It returns an error for an unknown format, a size that is
// negative, not finite or larger than MaxSize, or a series whose slices
// have different lengths; a chart without data is not an error (see the
// package documentation).
func Render(w io.Writer, c Chart, format string) error {
	f := strings.ToLower(format)
	if f != "png" && f != "svg" {
		return fmt.Errorf("chart: unsupported format %q: want png or svg", format)
	}
	width, err := dimension("width", c.Width, DefaultWidth)
	if err != nil {
		return err
	}
	height, err := dimension("height", c.Height, DefaultHeight)
	if err != nil {
		return err
	}
	if err := validate(c.Series); err != nil {
		return err
	}
	wl, hl := vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch
	var cv vg.CanvasWriterTo
	if f == "svg" {
		cv = vgsvg.New(wl, hl)
	} else {
		cv = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(wl, hl), vgimg.UseDPI(DPI))}
	}
	if err := drawChart(cv, c); err != nil {
		return err
	}
	_, err = cv.WriteTo(w)
	return err
}

func dimension(name string, v, def float64) (float64, error) {
	switch {
	case v == 0:
		return def, nil
	case math.IsNaN(v) || v < 0 || v > MaxSize:
		return 0, fmt.Errorf("chart: %s %v inches: want 0 (default) or a size up to %v", name, v, MaxSize)
	}
	return v, nil
}

func validate(ss []Series) error {
	var errs []error
	for i, s := range ss {
		if len(s.X) != len(s.Y) {
			errs = append(errs, fmt.Errorf("chart: series %d (%q): %d x values but %d y values", i, s.Label, len(s.X), len(s.Y)))
		}
		if (s.Lo == nil) != (s.Hi == nil) {
			errs = append(errs, fmt.Errorf("chart: series %d (%q): a band needs both Lo and Hi", i, s.Label))
		} else if s.Lo != nil && (len(s.Lo) != len(s.Y) || len(s.Hi) != len(s.Y)) {
			errs = append(errs, fmt.Errorf("chart: series %d (%q): band has %d lo and %d hi values for %d y values", i, s.Label, len(s.Lo), len(s.Hi), len(s.Y)))
		}
	}
	return errors.Join(errs...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sansFont is the font of all text: Liberation Sans, metric-compatible with
// Arial and Helvetica.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size vg.Length, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(sansFont, size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// layers holds the plotters of all series, in drawing order: bands under
// lines under markers, so no band hides a line.
type layers struct {
	bands, lines, markers []plot.Plotter
	entries               []legendEntry
	xmin, xmax            float64
	ymin, ymax            float64
	points                int  // finite (x, y) points
	intX                  bool // every x drawn is an integer
}

func (l *layers) extend(x, y float64) {
	if x != math.Trunc(x) {
		l.intX = false
	}
	l.xmin, l.xmax = math.Min(l.xmin, x), math.Max(l.xmax, x)
	l.ymin, l.ymax = math.Min(l.ymin, y), math.Max(l.ymax, y)
}

// runs returns the maximal runs [start, end) of consecutive indices i < n
// for which ok(i) holds.
func runs(n int, ok func(int) bool) [][2]int {
	var rs [][2]int
	for i := 0; i < n; {
		if !ok(i) {
			i++
			continue
		}
		j := i
		for j < n && ok(j) {
			j++
		}
		rs = append(rs, [2]int{i, j})
		i = j
	}
	return rs
}

func buildLayers(ss []Series) *layers {
	l := &layers{
		xmin: math.Inf(1), xmax: math.Inf(-1),
		ymin: math.Inf(1), ymax: math.Inf(-1),
		intX: true,
	}
	for i, s := range ss {
		clr := SeriesColor(i)
		ls := draw.LineStyle{Color: clr, Width: lineWidth, Dashes: seriesDashes(i)}
		fill := color.NRGBA{R: clr.R, G: clr.G, B: clr.B, A: uint8(math.Round(bandAlpha * 255))}
		e := legendEntry{label: oneLine(s.Label), line: ls}

		if s.Lo != nil {
			e.band = fill
			ok := func(j int) bool { return finite(s.X[j]) && finite(s.Lo[j]) && finite(s.Hi[j]) }
			for _, r := range runs(len(s.X), ok) {
				for j := r[0]; j < r[1]; j++ {
					l.extend(s.X[j], s.Lo[j])
					l.extend(s.X[j], s.Hi[j])
				}
				if r[1]-r[0] == 1 {
					j := r[0]
					l.bands = append(l.bands, &plotter.Line{
						XYs:       plotter.XYs{{X: s.X[j], Y: s.Lo[j]}, {X: s.X[j], Y: s.Hi[j]}},
						LineStyle: draw.LineStyle{Color: fill, Width: 2*markerSize + tickGap},
					})
					continue
				}
				ring := make(plotter.XYs, 0, 2*(r[1]-r[0]))
				for j := r[0]; j < r[1]; j++ {
					ring = append(ring, plotter.XY{X: s.X[j], Y: s.Hi[j]})
				}
				for j := r[1] - 1; j >= r[0]; j-- {
					ring = append(ring, plotter.XY{X: s.X[j], Y: s.Lo[j]})
				}
				l.bands = append(l.bands, &plotter.Polygon{
					XYs:       []plotter.XYs{ring},
					LineStyle: draw.LineStyle{Color: fill},
					Color:     fill,
				})
			}
		}

		ok := func(j int) bool { return finite(s.X[j]) && finite(s.Y[j]) }
		for _, r := range runs(len(s.X), ok) {
			xys := make(plotter.XYs, 0, r[1]-r[0])
			for j := r[0]; j < r[1]; j++ {
				xys = append(xys, plotter.XY{X: s.X[j], Y: s.Y[j]})
				l.extend(s.X[j], s.Y[j])
				l.points++
			}
			if len(xys) == 1 {
				e.marker = true
				l.markers = append(l.markers, &plotter.Scatter{XYs: xys, GlyphStyle: markerStyle(clr)})
				continue
			}
			l.lines = append(l.lines, &plotter.Line{XYs: xys, LineStyle: ls})
		}
		if e.label != "" {
			l.entries = append(l.entries, e)
		}
	}
	return l
}

func markerStyle(clr color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: clr, Radius: markerSize, Shape: draw.CircleGlyph{}}
}

// oneLine replaces line breaks by spaces: legend rows are one line high.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// axisRange returns the y range: the data range padded by 5% on each side,
// not below 0 for non-negative data, and a small range around a constant.
func axisRange(lo, hi float64) (float64, float64) {
	if lo == hi {
		d := 0.05 * math.Abs(lo)
		if d == 0 {
			d = 0.05
		}
		return lo - d, hi + d
	}
	pad := 0.05 * (hi - lo)
	min := lo - pad
	if lo >= 0 && min < 0 {
		min = 0
	}
	return min, hi + pad
}

// epochTicks marks integers only: labelled ticks every step (1, 2 or 5
// times a power of ten, for at most about ten labels) and, when the step is
// 2 or 5, unlabelled ticks at the integers between them.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	step := niceStep(hi - lo)
	var ts []plot.Tick
	if step <= 5 {
		for i := 0; i <= int(hi-lo); i++ { // at most 51 ticks
			v := lo + float64(i)
			t := plot.Tick{Value: v}
			if math.Mod(v, step) == 0 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ts = append(ts, t)
		}
		return ts
	}
	// The count bounds the loop where k++ cannot change a huge k.
	for n, k := 0, math.Ceil(lo/step); n < 12 && k*step <= hi; n, k = n+1, k+1 {
		v := k * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

// valueTicks labels 3 to 6 values a round step apart (1, 2, 2.5 or 5 times
// a power of ten), each with as many decimals as the step needs.
type valueTicks struct{}

func (valueTicks) Ticks(min, max float64) []plot.Tick {
	span := max - min
	if !(span > 0) || !finite(span) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := span / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	dec := 0
	for ; dec < 15; dec++ {
		scaled := step * math.Pow(10, float64(dec))
		if math.Abs(scaled-math.Round(scaled)) < 1e-6*scaled {
			break
		}
	}
	var ts []plot.Tick
	for n, k := 0, math.Ceil(min/step-1e-9); n < 12 && k*step <= max+1e-9*step; n, k = n+1, k+1 {
		v := k * step
		if v == 0 {
			v = 0 // not -0
		}
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return ts
}

// niceStep returns the smallest of 1, 2, 5, 10, 20, 50, … that divides span
// into at most ten steps.
func niceStep(span float64) float64 {
	for mag := 1.0; ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if s := m * mag; span/s <= 10 {
				return s
			}
		}
	}
}

func newPlot(c Chart, l *layers) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // drawChart paints the whole canvas
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 11)
		a.Tick.Label.Font = font.From(sansFont, 9.5)
		a.Tick.Length = vg.Points(5)
	}
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel

	if l.points == 0 && len(l.bands) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		p.X.Tick.Marker = plot.ConstantTicks{}
		p.Y.Tick.Marker = plot.ConstantTicks{}
		return p
	}

	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xE0}
	grid.Horizontal.Color = color.Gray{Y: 0xE0}
	p.Add(grid)
	p.Add(l.bands...)
	p.Add(l.lines...)
	p.Add(l.markers...)

	p.X.Min, p.X.Max = l.xmin, l.xmax
	if p.X.Min == p.X.Max {
		p.X.Min--
		p.X.Max++
	}
	if l.intX {
		p.X.Tick.Marker = epochTicks{}
	}
	p.Y.Min, p.Y.Max = axisRange(l.ymin, l.ymax)
	p.Y.Tick.Marker = valueTicks{}
	return p
}

func drawChart(cv vg.CanvasSizer, c Chart) (err error) {
	defer func() {
		// gonum reports impossible geometry by panicking; make it an error.
		if r := recover(); r != nil {
			err = fmt.Errorf("chart: drawing %q: %v", c.Title, r)
		}
	}()
	dc := draw.New(cv)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	area := draw.Crop(dc, margin, -margin, margin, -margin)

	if c.Title != "" {
		sty := textStyle(14, draw.XCenter, draw.YTop)
		area.FillText(sty, vg.Point{X: area.Center().X, Y: area.Max.Y + sty.FontExtents().Descent}, c.Title)
		area.Max.Y -= sty.Rectangle(c.Title).Size().Y + titleGap
	}

	l := buildLayers(c.Series)
	p := newPlot(c, l)
	area = drawLegend(area, l.entries)
	p.Draw(area)

	if l.points == 0 && len(l.bands) == 0 {
		data := p.DataCanvas(area)
		sty := textStyle(14, draw.XCenter, draw.YCenter)
		sty.Color = color.Gray{Y: 0x70}
		data.FillText(sty, data.Center(), NoDataText)
	}
	return nil
}
