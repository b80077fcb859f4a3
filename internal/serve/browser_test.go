//go:build unix

package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

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
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH (apt-get install -y chromium, or name one in EXP_CHROMIUM)")
}

// TestBrowserLive opens a sweep page in headless Chromium, commits an
// epoch to the database, and waits (up to 10 s) until the page shows it
// without a reload; it takes a screenshot (also written to
// $EXP_SERVE_SCREENSHOT if set).
func TestBrowserLive(t *testing.T) {
	browser, err := findBrowser()
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	fx := newFixture(t)
	srv := httptest.NewServer(Handler(fx.open(t), Options{Loopback: true}))
	defer srv.Close()

	profile, err := os.MkdirTemp("", "serve-browser-")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: a browser helper may still write into its profile
	// while the directory is removed.
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.UserDataDir(profile),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.WindowSize(1280, 1400))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	page := fmt.Sprintf("%s/sweeps/%d", srv.URL, fx.sweep.ID)
	if err := chromedp.Do(bctx, chromedp.Navigate(page), chromedp.WaitVisible("#live-table tbody tr")); err != nil {
		t.Fatal(err)
	}
	done, err := chromedp.Run(bctx, chromedp.Text(`[data-field="done"]`))
	if err != nil {
		t.Fatal(err)
	}
	if done != "5" {
		t.Fatalf("epochs done %q before the write, want 5", done)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	fx.addEpoch(t, fx.runs[1].ID, 3, 0.99) // the running trial becomes the best

	wait, wcancel := context.WithTimeout(bctx, 10*time.Second)
	defer wcancel()
	_, err = chromedp.Run(wait, chromedp.Poll[chromedp.Void](`document.querySelector('[data-field="done"]').textContent === "6" &&
		document.querySelector("#live-table tbody tr.best td").textContent === "`+strconv.FormatInt(fx.runs[1].ID, 10)+`"`,
		chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatalf("the page did not show the new epoch within 10 s: %v", err)
	}
	if still, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !still {
		t.Errorf("the page was reloaded (%v)", err)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("script").length`)); err != nil || n != 1 {
		t.Errorf("%d script elements (%v), want 1 (a hostile name became markup?)", n, err)
	}
	if best, err := chromedp.Run(bctx, chromedp.Text(`[data-field="best"]`)); err != nil || !strings.HasPrefix(best, "99.00% (trial 2") {
		t.Errorf("best so far %q (%v), want 99.00%% (trial 2 …", best, err)
	}
	// Let the chart image catch up before the screenshot (not asserted).
	_, _ = chromedp.Run(wait, chromedp.Poll[chromedp.Void](`[...document.images].every(i => i.complete && i.src.includes("v="))`))
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "sweep.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("EXP_SERVE_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
