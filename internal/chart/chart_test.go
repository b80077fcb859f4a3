package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var nan = math.NaN()

// curve returns epochs 1..n and f of each.
func curve(n int, f func(epoch float64) float64) (x, y []float64) {
	for e := 1; e <= n; e++ {
		x = append(x, float64(e))
		y = append(y, f(float64(e)))
	}
	return x, y
}

// band returns y-d and y+d.
func band(y []float64, d float64) (lo, hi []float64) {
	for _, v := range y {
		lo = append(lo, v-d)
		hi = append(hi, v+d)
	}
	return lo, hi
}

// sampleChart has a plain line, a mean line with a band and a missing
// epoch, and a single point.
func sampleChart() Chart {
	x1, y1 := curve(12, func(e float64) float64 { return 0.99 - 0.2*math.Exp(-e/3) })
	x2, y2 := curve(12, func(e float64) float64 { return 0.98 - 0.25*math.Exp(-e/4) })
	y2[4] = nan
	lo, hi := band(y2, 0.01)
	return Chart{
		Title: "val_accuracy", XLabel: "epoch", YLabel: "val_accuracy",
		Series: []Series{
			{Label: "run 1 lr=0.001", X: x1, Y: y1},
			{Label: "variant=cnn (n=3)", X: x2, Y: y2, Lo: lo, Hi: hi},
			{Label: "run 7", X: []float64{3}, Y: []float64{0.9}},
		},
	}
}

func manySeries(n int, label func(i int) string) []Series {
	var ss []Series
	for i := range n {
		x, y := curve(8, func(e float64) float64 { return 2/e + float64(i)*0.05 })
		ss = append(ss, Series{Label: label(i), X: x, Y: y})
	}
	return ss
}

type renderCase struct {
	name   string
	chart  Chart
	noData bool // the chart shows NoDataText
}

func renderCases() []renderCase {
	xs, ys := curve(30, func(e float64) float64 { return 1 / e })
	allNaN := []float64{nan, nan, nan}
	lo, hi := band([]float64{0.5, 0.6, 0.7}, 0.05)
	return []renderCase{
		{name: "sample", chart: sampleChart()},
		{name: "no series", chart: Chart{Title: "loss", XLabel: "epoch", YLabel: "loss"}, noData: true},
		{name: "untitled", chart: Chart{Series: []Series{{Label: "a", X: xs, Y: ys}}}},
		{name: "all NaN", chart: Chart{Title: "loss", Series: []Series{
			{Label: "empty run", X: []float64{1, 2, 3}, Y: allNaN},
			{Label: "empty slices"},
		}}, noData: true},
		{name: "single point", chart: Chart{Title: "acc", Series: []Series{
			{Label: "one epoch", X: []float64{1}, Y: []float64{0.42}},
		}}},
		{name: "single point with band", chart: Chart{Title: "acc", Series: []Series{
			{Label: "one epoch (n=2)", X: []float64{1}, Y: []float64{0.42}, Lo: []float64{0.4}, Hi: []float64{0.44}},
		}}},
		{name: "all equal", chart: Chart{Title: "acc", Series: []Series{
			{Label: "flat", X: []float64{1, 2, 3, 4}, Y: []float64{0.5, 0.5, 0.5, 0.5}},
			{Label: "zero", X: []float64{1, 2, 3, 4}, Y: []float64{0, 0, 0, 0}},
		}}},
		{name: "NaN and Inf holes", chart: Chart{Title: "loss", Series: []Series{
			{Label: "diverged", X: []float64{1, 2, 3, 4, 5, 6}, Y: []float64{2, 1, nan, 0.5, math.Inf(1), 0.4}},
			{Label: "band holes", X: []float64{1, 2, 3, 4}, Y: []float64{0.5, 0.6, 0.7, 0.8},
				Lo: []float64{0.45, nan, 0.65, 0.75}, Hi: []float64{0.55, 0.65, 0.75, 0.85}},
		}}},
		{name: "band", chart: Chart{Title: "acc", Series: []Series{
			{Label: "grouped (n=3)", X: []float64{1, 2, 3}, Y: []float64{0.5, 0.6, 0.7}, Lo: lo, Hi: hi},
		}}},
		{name: "fractional x", chart: Chart{Title: "loss", XLabel: "epoch", Series: []Series{
			{Label: "half epochs", X: []float64{0.5, 1, 1.5, 2}, Y: []float64{3, 2, 1.5, 1.2}},
		}}},
		{name: "negative values", chart: Chart{Title: "delta", Series: []Series{
			{Label: "delta", X: []float64{1, 2, 3}, Y: []float64{-0.3, 0.1, 0.2}},
		}}},
		{name: "more series than colours", chart: Chart{Title: "loss", Series: manySeries(16, func(i int) string {
			return fmt.Sprintf("run %d", i)
		})}},
		{name: "long labels below", chart: Chart{Title: "loss", Series: manySeries(10, func(i int) string {
			return fmt.Sprintf("run %d: cnn (variant=cnn train.learning_rate=0.00%d)", i, i+1)
		})}},
		{name: "small and wide", chart: Chart{Title: "loss", Width: 3, Height: 2, Series: manySeries(2, func(i int) string {
			return fmt.Sprintf("run %d", i)
		})}},
		{name: "extreme values", chart: Chart{Title: "loss", Series: []Series{
			{Label: "huge", X: []float64{1e17, 1e17 + 64}, Y: []float64{1e300, 1.0000000001e300}},
			{Label: "tiny", X: []float64{1e17, 1e17 + 64}, Y: []float64{1e-300, 2e-300}},
		}}},
		{name: "unlabelled series", chart: Chart{Series: []Series{
			{X: []float64{1, 2}, Y: []float64{1, 2}},
			{Label: "labelled", X: []float64{1, 2}, Y: []float64{2, 1}},
		}}},
		{name: "hostile label", chart: Chart{Title: `<b>"x" & y</b>`, XLabel: "<i>", Series: []Series{
			{Label: `</svg><script>alert(1)</script> & "q"`, X: []float64{1, 2}, Y: []float64{1, 2}},
		}}},
	}
}

func size(c Chart) (w, h float64) {
	w, h = c.Width, c.Height
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	return w, h
}

// svgDoc is what the tests read from an SVG document.
type svgDoc struct {
	width, height string
	texts         []string
	bandFills     []string // colours of translucent paths
}

func parseSVG(t *testing.T, data []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(bytes.NewReader(data))
	var inText bool
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := func(name string) string {
				for _, a := range tok.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			switch tok.Name.Local {
			case "svg":
				doc.width, doc.height = attr("width"), attr("height")
			case "text":
				inText = true
				text.Reset()
			case "path":
				// A band is a translucent polygon, or a translucent
				// stroke for a band of one point.
				st := attr("style")
				for _, kind := range []string{"fill", "stroke"} {
					if strings.Contains(st, kind+"-opacity:") {
						c, _, _ := strings.Cut(strings.SplitAfter(st, kind+":")[1], ";")
						doc.bandFills = append(doc.bandFills, c)
					}
				}
			}
		case xml.CharData:
			if inText {
				text.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				inText = false
				doc.texts = append(doc.texts, text.String())
			}
		}
	}
	if doc.width == "" {
		t.Fatal("SVG has no <svg width=...> root")
	}
	return doc
}

// near reports whether the hex colour "#RRGGBB" is within 2 of c in each
// channel (gonum rounds un-premultiplied colours down).
func near(hex string, c color.RGBA) bool {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return false
	}
	d := func(a uint64, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= 2 }
	return d(v>>16&0xFF, c.R) && d(v>>8&0xFF, c.G) && d(v&0xFF, c.B)
}

// hasData reports whether series s has a finite point, and whether it has
// a finite band point.
func hasData(s Series) (line, band bool) {
	for j := range s.X {
		if finite(s.X[j]) && finite(s.Y[j]) {
			line = true
		}
		if s.Lo != nil && finite(s.X[j]) && finite(s.Lo[j]) && finite(s.Hi[j]) {
			band = true
		}
	}
	return line, band
}

func render(t *testing.T, c Chart, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, c, format); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestRenderSVG(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			data := render(t, tc.chart, "svg")
			doc := parseSVG(t, data)

			w, h := size(tc.chart)
			if want := fmt.Sprintf("%gpt", w*72); doc.width != want {
				t.Errorf("width = %q, want %q", doc.width, want)
			}
			if want := fmt.Sprintf("%gpt", h*72); doc.height != want {
				t.Errorf("height = %q, want %q", doc.height, want)
			}
			for _, want := range []string{tc.chart.Title, tc.chart.XLabel, tc.chart.YLabel} {
				if want != "" && !slices.Contains(doc.texts, want) {
					t.Errorf("no text %q in %q", want, doc.texts)
				}
			}
			for i, s := range tc.chart.Series {
				if s.Label != "" && !slices.Contains(doc.texts, s.Label) {
					t.Errorf("series %d: label %q not in the SVG texts %q", i, s.Label, doc.texts)
				}
				_, hasBand := hasData(s)
				var bands int
				for _, f := range doc.bandFills {
					if near(f, SeriesColor(i)) {
						bands++
					}
				}
				// One translucent path in the legend, and at least one in the plot.
				switch {
				case s.Lo == nil && bands != 0:
					t.Errorf("series %d has no band but %d translucent paths of its colour", i, bands)
				case hasBand && bands < 2:
					t.Errorf("series %d: %d translucent paths of its colour, want a legend swatch and a band", i, bands)
				}
			}
			if got := slices.Contains(doc.texts, NoDataText); got != tc.noData {
				t.Errorf("%q shown: %v, want %v", NoDataText, got, tc.noData)
			}
			if bytes.Contains(bytes.ToLower(data), []byte("<script")) {
				t.Error("SVG contains <script")
			}
		})
	}
}

// countNear counts the pixels of img whose channels are all within tol of c.
func countNear(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(v uint32, w uint8) bool { return math.Abs(float64(v>>8)-float64(w)) <= float64(tol) }
			if d(r, c.R) && d(g, c.G) && d(bl, c.B) {
				n++
			}
		}
	}
	return n
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	return img
}

// withoutData returns c with every value NaN: the same title, axes and
// legend, and nothing in the plot area.
func withoutData(c Chart) Chart {
	ss := make([]Series, len(c.Series))
	for i, s := range c.Series {
		ss[i] = s
		ss[i].Y = make([]float64, len(s.Y))
		for j := range ss[i].Y {
			ss[i].Y[j] = nan
		}
	}
	c.Series = ss
	return c
}

func TestRenderPNG(t *testing.T) {
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			img := decodePNG(t, render(t, tc.chart, "png"))
			w, h := size(tc.chart)
			want := image.Rect(0, 0, int(math.Round(w*DPI)), int(math.Round(h*DPI)))
			if img.Bounds() != want {
				t.Errorf("bounds = %v, want %v", img.Bounds(), want)
			}
			if countNear(img, color.RGBA{A: 0xFF}, 80) == 0 {
				t.Error("no dark pixels: axes and text missing")
			}
			// The plot area holds each series' colour: more pixels of it
			// than the same chart without data, where only the legend has it.
			legendOnly := decodePNG(t, render(t, withoutData(tc.chart), "png"))
			for i, s := range tc.chart.Series {
				if line, _ := hasData(s); !line || i >= NumColors {
					continue
				}
				got, base := countNear(img, SeriesColor(i), 10), countNear(legendOnly, SeriesColor(i), 10)
				if got < base+8 {
					t.Errorf("series %d (%q): %d pixels of colour %v, want at least %d more than the legend's %d",
						i, s.Label, got, SeriesColor(i), 8, base)
				}
			}
		})
	}
}

// TestRenderDeterministic checks that the same chart renders to the same
// bytes.
func TestRenderDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			a, b := render(t, sampleChart(), format), render(t, sampleChart(), format)
			if !bytes.Equal(a, b) {
				t.Error("two renderings of the same chart differ")
			}
		})
	}
}

// TestGoldenSVG pins the SVG of the sample chart. Regenerate with
// go test ./chart -run TestGoldenSVG -update.
func TestGoldenSVG(t *testing.T) {
	got := render(t, sampleChart(), "svg")
	path := filepath.Join("testdata", "sample.golden.svg")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("SVG differs from %s (run with -update to accept):\n%s", path, firstDiff(got, want))
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
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

func TestRenderErrors(t *testing.T) {
	ok := Series{Label: "ok", X: []float64{1, 2}, Y: []float64{1, 2}}
	tests := []struct {
		name   string
		chart  Chart
		format string
		want   string // substring of the error
	}{
		{"unknown format", Chart{}, "jpg", `unsupported format "jpg"`},
		{"empty format", Chart{}, "", "want png or svg"},
		{"negative width", Chart{Width: -1}, "svg", "width -1"},
		{"NaN height", Chart{Height: nan}, "png", "height NaN"},
		{"huge", Chart{Width: 1000}, "png", "width 1000"},
		{"Inf", Chart{Height: math.Inf(1)}, "svg", "height +Inf"},
		{"X and Y lengths", Chart{Series: []Series{ok, {Label: "bad", X: []float64{1, 2}, Y: []float64{1}}}}, "svg",
			`series 1 ("bad"): 2 x values but 1 y values`},
		{"Lo without Hi", Chart{Series: []Series{{Label: "lo", X: []float64{1}, Y: []float64{1}, Lo: []float64{0}}}}, "svg",
			"needs both Lo and Hi"},
		{"band length", Chart{Series: []Series{{Label: "b", X: []float64{1, 2}, Y: []float64{1, 2}, Lo: []float64{0}, Hi: []float64{2}}}}, "svg",
			"band has 1 lo and 1 hi values for 2 y values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, tt.chart, tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

// TestRenderConcurrent checks that charts can be rendered in parallel
// (run with -race).
func TestRenderConcurrent(t *testing.T) {
	want := render(t, sampleChart(), "svg")
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			var buf bytes.Buffer
			err := Render(&buf, sampleChart(), "svg")
			if err == nil && !bytes.Equal(buf.Bytes(), want) {
				err = fmt.Errorf("concurrent rendering differs")
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestRenderFormatCase(t *testing.T) {
	data := render(t, sampleChart(), "PNG")
	decodePNG(t, data)
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path, want, err string
	}{
		{path: "curves.png", want: "png"},
		{path: "out/curves.svg", want: "svg"},
		{path: "CURVES.SVG", want: "svg"},
		{path: "a.b/c.Png", want: "png"},
		{path: "curves.jpg", err: `unsupported chart format ".jpg" in "curves.jpg": want .png or .svg`},
		{path: "curves.svg.gz", err: `".gz"`},
		{path: "curves", err: `"curves" has no file extension: want .png or .svg`},
		{path: "", err: "no file extension"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := FormatFromPath(tt.path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("FormatFromPath(%q) = %q, %v; want error containing %q", tt.path, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FormatFromPath(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
			}
		})
	}
}

func tickLabels(ts []plot.Tick) []string {
	var ls []string
	for _, t := range ts {
		if t.Label != "" {
			ls = append(ls, t.Label)
		}
	}
	return ls
}

func TestEpochTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     string // labelled ticks
		minor    int    // unlabelled ticks
	}{
		{1, 5, "1 2 3 4 5", 0},
		{1, 10, "1 2 3 4 5 6 7 8 9 10", 0},
		{0, 2, "0 1 2", 0},
		{1, 12, "2 4 6 8 10 12", 6},
		{1, 30, "5 10 15 20 25 30", 24},
		{1, 100, "10 20 30 40 50 60 70 80 90 100", 0},
		{1, 1000, "100 200 300 400 500 600 700 800 900 1000", 0},
		{0.5, 2.5, "1 2", 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%g..%g", tt.min, tt.max), func(t *testing.T) {
			ts := epochTicks{}.Ticks(tt.min, tt.max)
			if got := strings.Join(tickLabels(ts), " "); got != tt.want {
				t.Errorf("labels = %q, want %q", got, tt.want)
			}
			if got := len(ts) - len(tickLabels(ts)); got != tt.minor {
				t.Errorf("%d minor ticks, want %d", got, tt.minor)
			}
		})
	}
}

func TestValueTicks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     string
	}{
		{0, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0.77, 1.005, "0.80 0.85 0.90 0.95 1.00"},
		{0.9, 0.99, "0.90 0.92 0.94 0.96 0.98"},
		{0.85, 1, "0.850 0.875 0.900 0.925 0.950 0.975 1.000"},
		{0.1, 2.6, "0.5 1.0 1.5 2.0 2.5"},
		{-0.35, 0.22, "-0.3 -0.2 -0.1 0.0 0.1 0.2"},
		{0, 250, "0 50 100 150 200 250"},
		{0.475, 0.525, "0.48 0.49 0.50 0.51 0.52"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%g..%g", tt.min, tt.max), func(t *testing.T) {
			ts := valueTicks{}.Ticks(tt.min, tt.max)
			if got := strings.Join(tickLabels(ts), " "); got != tt.want {
				t.Errorf("labels = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTicksHugeValues checks that the tickers end where float64 cannot
// count up by one.
func TestTicksHugeValues(t *testing.T) {
	tests := []struct {
		name     string
		ticker   plot.Ticker
		min, max float64
	}{
		{"value", valueTicks{}, 1e12, 1e12 + 1e-3},
		{"value beyond 2^53 steps", valueTicks{}, 1e300, 1.0000000001e300},
		{"epoch", epochTicks{}, 1e17, 1e17 + 64},
		{"epoch big step", epochTicks{}, 1e300, 1.0000000001e300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ts := tt.ticker.Ticks(tt.min, tt.max); len(ts) == 0 || len(ts) > 60 {
				t.Errorf("%d ticks, want 1 to 60", len(ts))
			}
		})
	}
}

func TestAxisRange(t *testing.T) {
	tests := []struct {
		lo, hi         float64
		wantLo, wantHi float64
	}{
		{0.9, 0.99, 0.8955, 0.9945}, // accuracies keep their range
		{0.1, 2.1, 0, 2.2},          // non-negative data stops at 0
		{-1, 1, -1.1, 1.1},
		{0.5, 0.5, 0.475, 0.525}, // constant
		{0, 0, -0.05, 0.05},
		{-2, -2, -2.1, -1.9},
	}
	for _, tt := range tests {
		lo, hi := axisRange(tt.lo, tt.hi)
		if math.Abs(lo-tt.wantLo) > 1e-9 || math.Abs(hi-tt.wantHi) > 1e-9 {
			t.Errorf("axisRange(%g, %g) = %g, %g; want %g, %g", tt.lo, tt.hi, lo, hi, tt.wantLo, tt.wantHi)
		}
	}
}

func TestSeriesStyles(t *testing.T) {
	seen := map[color.RGBA]int{}
	for i := range NumColors {
		c := SeriesColor(i)
		if j, dup := seen[c]; dup {
			t.Errorf("series %d and %d share colour %v", j, i, c)
		}
		seen[c] = i
		if c == (color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}) || c.A != 0xFF {
			t.Errorf("series %d: colour %v is white or not opaque", i, c)
		}
	}
	tests := []struct {
		a, b       int
		sameColour bool
		sameDashes bool
	}{
		{0, 1, false, true},
		{0, NumColors, true, false},
		{1, NumColors + 1, true, false},
		{NumColors, 2 * NumColors, true, false},
		{0, len(dashPatterns) * NumColors, true, true}, // everything cycles
	}
	for _, tt := range tests {
		if got := SeriesColor(tt.a) == SeriesColor(tt.b); got != tt.sameColour {
			t.Errorf("series %d and %d same colour: %v, want %v", tt.a, tt.b, got, tt.sameColour)
		}
		if got := slices.Equal(seriesDashes(tt.a), seriesDashes(tt.b)); got != tt.sameDashes {
			t.Errorf("series %d and %d same dashes: %v, want %v", tt.a, tt.b, got, tt.sameDashes)
		}
	}
}

func TestLegendPlacement(t *testing.T) {
	entries := func(n int, label string) []legendEntry {
		es := make([]legendEntry, n)
		for i := range es {
			es[i] = legendEntry{label: fmt.Sprintf("%s %d", label, i), line: draw.LineStyle{Color: SeriesColor(i), Width: 1}}
		}
		return es
	}
	tests := []struct {
		name    string
		entries []legendEntry
		right   bool // else below
	}{
		{"none", nil, false},
		{"short labels", entries(3, "run"), true},
		{"many short labels", entries(40, "run"), true},
		{"long labels", entries(3, "run 3: cnn (variant=cnn train.learning_rate=0.001 train.batch_size=32)"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := draw.New(vgsvg.New(8*vg.Inch, 5*vg.Inch))
			got := drawLegend(c, tt.entries)
			shrunkX, shrunkY := got.Max.X < c.Max.X, got.Min.Y > c.Min.Y
			if got.Min.X != c.Min.X || got.Max.Y != c.Max.Y {
				t.Errorf("legend took the left or top edge: %v of %v", got.Rectangle, c.Rectangle)
			}
			switch {
			case len(tt.entries) == 0:
				if shrunkX || shrunkY {
					t.Errorf("no entries but the area shrank to %v", got.Rectangle)
				}
			case tt.right:
				if !shrunkX || shrunkY {
					t.Errorf("want the legend on the right; area %v of %v", got.Rectangle, c.Rectangle)
				}
			default:
				if shrunkX || !shrunkY {
					t.Errorf("want the legend below; area %v of %v", got.Rectangle, c.Rectangle)
				}
			}
		})
	}
}

func TestLegendOverflow(t *testing.T) {
	c := Chart{Title: "loss", Series: manySeries(60, func(i int) string {
		return fmt.Sprintf("run %d: cnn (variant=cnn train.learning_rate=0.001)", i)
	})}
	doc := parseSVG(t, render(t, c, "svg"))
	var more string
	for _, s := range doc.texts {
		if strings.HasSuffix(s, " more series") {
			more = s
		}
	}
	if more == "" {
		t.Fatalf("no %q note among %q", "+N more series", doc.texts)
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(more, "+"), " more series"))
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, s := range c.Series {
		if slices.Contains(doc.texts, s.Label) {
			shown++
		}
	}
	if shown+n != len(c.Series) || shown == 0 {
		t.Errorf("%d labels shown and %q, want them to add up to %d", shown, more, len(c.Series))
	}
}
