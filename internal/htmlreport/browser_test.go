//go:build unix

package htmlreport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/chart"
)

// installHint says how to get the browser that TestBrowserScreenshot needs.
const installHint = "install Debian's chromium (apt-get install -y chromium) or name a Chromium-based browser in EXP_CHROMIUM"

// browserTimeout bounds one headless browser run; on expiry its whole
// process group is killed.
const browserTimeout = 60 * time.Second

// findBrowser returns the browser named by EXP_CHROMIUM, or the first of
// chromium, chromium-browser and google-chrome on PATH.
func findBrowser() (string, error) {
	if name := os.Getenv("EXP_CHROMIUM"); name != "" {
		return exec.LookPath(name)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH")
}

// screenshot loads page in headless Chromium with a fresh profile and
// returns the PNG screenshot of a width×height window.
func screenshot(t *testing.T, browser, page string, width, height int) []byte {
	t.Helper()
	dir, err := os.MkdirTemp("", "htmlreport-browser-")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: a browser helper process may still be writing into
	// its profile while the directory is removed.
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "shot.png")

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		fmt.Sprintf("--window-size=%d,%d", width, height),
		"--screenshot="+out,
		"file://"+page,
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	killGroup := func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.Cancel = killGroup
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr

	start := time.Now()
	err = cmd.Run()
	_ = killGroup() // helpers (zygote, crashpad) left behind
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %v; killed its process group. Output:\n%s", browser, browserTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v. Output:\n%s", browser, err, stderr.String())
	}
	t.Logf("%s took %v", filepath.Base(browser), time.Since(start).Round(time.Millisecond))
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no screenshot: %v. Browser output:\n%s", err, stderr.String())
	}
	return data
}

// colorBox finds the pixels of img within tol of c in every channel and
// returns how many there are and their bounding box.
func colorBox(img image.Image, c color.RGBA, tol int) (int, image.Rectangle) {
	n := 0
	var box image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := func(v uint32, w uint8) bool { return math.Abs(float64(v>>8)-float64(w)) <= float64(tol) }
			if d(r, c.R) && d(g, c.G) && d(bl, c.B) {
				n++
				px := image.Rect(x, y, x+1, y+1)
				if box.Empty() {
					box = px
				} else {
					box = box.Union(px)
				}
			}
		}
	}
	return n, box
}

// TestBrowserScreenshot opens a report with one chart and a confusion
// matrix's heatmap in headless Chromium and checks, on the screenshot, that
// the chart's lines were drawn: each series' colour is there, and the first
// series' pixels span most of the chart's width (a line across the plot,
// not just its legend swatch), below the summary table; and the heatmap's
// cells (checkHeatmap).
func TestBrowserScreenshot(t *testing.T) {
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

	var series []chart.Series
	for i := range 3 {
		var x, y []float64
		for e := 1; e <= 20; e++ {
			x = append(x, float64(e))
			y = append(y, 0.99-float64(i)*0.03-0.3*math.Exp(-float64(e)/4))
		}
		series = append(series, chart.Series{Label: fmt.Sprintf("run %d", i+1), X: x, Y: y})
	}
	r := smallReport(t)
	r.Charts = []Figure{{
		Title: "val_accuracy",
		SVG:   renderChart(t, chart.Chart{Title: "val_accuracy", XLabel: "epoch", YLabel: "val_accuracy", Series: series}),
	}, heatmapFigure}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	const width, height = 1200, 1600
	data := screenshot(t, browser, page, width, height)
	if keep := os.Getenv("EXP_SCREENSHOT"); keep != "" {
		// For a look at the page: EXP_SCREENSHOT=/tmp/report.png go test ...
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			t.Error(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(width, height) {
		t.Errorf("screenshot is %v, want %dx%d", got, width, height)
	}
	if r, g, b, _ := img.At(width-5, height-5).RGBA(); r>>8 < 0xF0 || g>>8 < 0xF0 || b>>8 < 0xF0 {
		t.Errorf("page background at the bottom right is not white: %v", img.At(width-5, height-5))
	}

	checkHeatmap(t, img)

	// The best row's background marks the bottom of the table.
	_, best := colorBox(img, color.RGBA{R: 0xFF, G: 0xF1, B: 0xB8}, 3)
	if best.Empty() {
		t.Error("no highlighted best row (#FFF1B8) on the screenshot")
	}
	for i := range series {
		n, box := colorBox(img, chart.SeriesColor(i), 12)
		t.Logf("series %d colour %v: %d pixels in %v", i, chart.SeriesColor(i), n, box)
		if n < 200 {
			t.Errorf("series %d: %d pixels of its colour %v, want a drawn line (≥ 200)", i, n, chart.SeriesColor(i))
			continue
		}
		if i > 0 {
			continue
		}
		// The chart is 8 in = 768 CSS pixels wide; its plot area takes
		// most of that.
		if box.Dx() < 400 {
			t.Errorf("series 0 spans %d pixels across (%v), want a line across the plot (≥ 400)", box.Dx(), box)
		}
		if !best.Empty() && box.Min.Y <= best.Max.Y {
			t.Errorf("series 0 pixels %v start above the end of the table (%v)", box, best)
		}
	}
}

// heatmapFigure is a perfect classifier's confusion matrix.
var heatmapFigure = Heatmap("confusion matrix", []string{"cat", "dog", "eel"}, [][]int64{{10, 0, 0}, {0, 7, 0}, {0, 0, 12}})

// checkHeatmap checks that heatmapFigure's cells were drawn: its diagonal
// in the heatmap's darkest colour, three cells on a diagonal line.
func checkHeatmap(t *testing.T, img image.Image) {
	t.Helper()
	hi := color.RGBA{R: HeatmapHigh[0], G: HeatmapHigh[1], B: HeatmapHigh[2]}
	n, box := colorBox(img, hi, 6)
	t.Logf("heatmap colour %v: %d pixels in %v", hi, n, box)
	// Three 44×44 cells, less their white borders and counts.
	if n < 3*1200 || box.Dx() < 120 || box.Dy() < 120 {
		t.Errorf("%d pixels of the diagonal's colour in %v; want three cells on a diagonal (≥ 3600 pixels spanning ≥ 120×120)", n, box)
		return
	}
	at := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r>>8 == uint32(hi.R) && g>>8 == uint32(hi.G) && b>>8 == uint32(hi.B)
	}
	if !at(box.Min.X+3, box.Min.Y+3) || !at(box.Max.X-4, box.Max.Y-4) || at(box.Max.X-4, box.Min.Y+3) {
		t.Errorf("the darkest cells are not on the diagonal of %v", box)
	}
}
