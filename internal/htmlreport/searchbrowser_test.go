package htmlreport

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/exp-runner/exp/internal/importance"
)

// hexColor parses "#rrggbb".
func hexColor(t *testing.T, s string) color.RGBA {
	t.Helper()
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// TestBrowserSearchCharts opens a report with the importance bars and the
// parallel-coordinates chart in headless Chromium and checks the
// screenshot: the bar is drawn at its share of the bar width, and the best
// trial's line (the top colour of the scale, at the lines' opacity) runs
// across the chart's axes.
func TestBrowserSearchCharts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped in -short mode")
	}
	browser, err := findBrowser()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: %s", err, installHint)
		}
		t.Skipf("%v: %s", err, installHint)
	}
	r := smallReport(t)
	r.Charts = []Figure{
		ImportanceChart([]importance.Importance{{Name: "lr", Value: 0.75}}, importance.Method, "val_accuracy"),
		ParallelCoordinates(chartAxes, chartTrials, "val_accuracy"),
	}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	data := screenshot(t, browser, page, 1200, 1600)
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	n, bar := colorBox(img, hexColor(t, viridis(0.3)), 3)
	t.Logf("importance bar: %d pixels in %v", n, bar)
	// 0.75 of the 380-pixel bar width, 16 pixels high.
	if bar.Dx() < 280 || bar.Dx() > 290 || bar.Dy() < 14 || bar.Dy() > 18 {
		t.Errorf("importance bar spans %v, want 285×16 pixels", bar.Size())
	}
	// The lines are drawn at opacity 0.75 over the white page.
	top := hexColor(t, viridis(1))
	blend := func(v uint8) uint8 { return uint8(0.75*float64(v) + 0.25*255 + 0.5) }
	n, best := colorBox(img, color.RGBA{R: blend(top.R), G: blend(top.G), B: blend(top.B), A: 255}, 12)
	t.Logf("best trial's colour: %d pixels in %v", n, best)
	if best.Dx() < 300 || best.Min.Y < bar.Max.Y {
		t.Errorf("the best trial's line spans %v, below the bars at %v: want a line across the axes (≥ 300 pixels wide)", best, bar)
	}
}
