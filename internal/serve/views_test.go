package serve

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

// TestSearchCharts: a sweep with axes lists its search charts on its page
// and in its JSON, and serves each as SVG; a chart it lacks is a 404, a
// malformed one a 400.
func TestSearchCharts(t *testing.T) {
	fx := newFixture(t)
	h := Handler(fx.open(t), Options{})
	page := body(t, get(h, "GET", fmt.Sprintf("/sweeps/%d", fx.sweep.ID), nil))
	if !strings.Contains(page, "<h2>Search</h2>") || !strings.Contains(page, fmt.Sprintf(`src="/sweeps/%d/search/0.svg?`, fx.sweep.ID)) {
		t.Fatalf("sweep page has no search charts:\n%s", page)
	}
	api := body(t, get(h, "GET", fmt.Sprintf("/api/sweeps/%d", fx.sweep.ID), nil))
	if !strings.Contains(api, `"search_charts":["Parallel coordinates`) {
		t.Errorf("sweep JSON lacks the search charts: %s", api)
	}
	res := get(h, "GET", fmt.Sprintf("/sweeps/%d/search/0.svg", fx.sweep.ID), nil)
	if b := body(t, res); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(b, "<svg") {
		t.Errorf("search chart 0: %d %q %.60q", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	for path, want := range map[string]int{"search/99.svg": 404, "search/x.svg": 400, "search/0.png": 400} {
		if res := get(h, "GET", fmt.Sprintf("/sweeps/%d/%s", fx.sweep.ID, path), nil); res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// TestConfusionChart: a run with a stored confusion matrix shows it as a
// heatmap, linked to the SVG alone (where long class names show in full
// on hover, as they cannot in an img); one without has no figure and its
// chart is a 404.
func TestConfusionChart(t *testing.T) {
	fx := newFixture(t)
	run := fx.runs[1] // running, owned by "t"
	acc, loss := 0.8, 0.3
	e := &record.Epoch{RunID: run.ID, Epoch: 3, Loss: &loss, ValLoss: &loss, Accuracy: &acc, ValAccuracy: &acc, Seconds: 1}
	if err := fx.w.AddTrialEpochConfusion(context.Background(), "t", e, `{"epoch":3,"matrix":[[5,1],[2,7]]}`); err != nil {
		t.Fatal(err)
	}
	h := Handler(fx.open(t), Options{})
	page := body(t, get(h, "GET", fmt.Sprintf("/runs/%d", run.ID), nil))
	if !strings.Contains(page, fmt.Sprintf(`src="/runs/%d/confusion.svg"`, run.ID)) || !strings.Contains(page, fmt.Sprintf(`<a href="/runs/%d/confusion.svg"`, run.ID)) {
		t.Fatalf("run page has no confusion matrix:\n%s", page)
	}
	res := get(h, "GET", fmt.Sprintf("/runs/%d/confusion.svg", run.ID), nil)
	if b := body(t, res); res.StatusCode != 200 || !strings.HasPrefix(b, "<svg") || !strings.Contains(b, ">7<") {
		t.Errorf("confusion chart: %d %.200q", res.StatusCode, b)
	}
	other := fx.runs[0].ID
	if page := body(t, get(h, "GET", fmt.Sprintf("/runs/%d", other), nil)); strings.Contains(page, "confusion.svg") {
		t.Errorf("run %d has no confusion matrix but its page shows one", other)
	}
	if res := get(h, "GET", fmt.Sprintf("/runs/%d/confusion.svg", other), nil); res.StatusCode != 404 {
		t.Errorf("confusion chart of a run without one: %d, want 404", res.StatusCode)
	}
}
