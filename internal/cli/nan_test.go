package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer/infertest"
)

// TestNaNPredictions: a clean model given inputs far outside its training
// data outputs NaN. exp predict says NaN for that row (null in JSON) and
// warns; exp evaluate refuses to call it a score and exits 2.
func TestNaNPredictions(t *testing.T) {
	dir := t.TempDir()
	rows := infertest.WriteCSV(t, dir, "rows.csv", "x1,color,x2,species\n1.5,red,0.9,a\n3e38,blue,-3e38,b\n-1.1,red,-0.2,c\n")
	code, out, errOut := run(t, nil, "predict", species, rows)
	lines := strings.Split(out, "\n")
	if code != ExitOK || len(lines) < 4 || !strings.Contains(lines[2], "NaN") || strings.Contains(lines[1]+lines[3], "NaN") ||
		!strings.Contains(errOut, "warning: the model's output is NaN or infinite for 1 of 3 examples (row 3): their prediction is NaN") {
		t.Fatalf("exp predict: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	_, js, _ := run(t, nil, "predict", species, rows, "--format", "json")
	var parsed []map[string]any
	if err := json.Unmarshal([]byte(js), &parsed); err != nil || parsed[1]["prediction"] != "NaN" || parsed[1]["probability"] != nil {
		t.Errorf("exp predict --format json: %v\n%s\nwant valid JSON, prediction \"NaN\" and probability null for row 3", err, js)
	}
	code, out, errOut = run(t, nil, "evaluate", species, "--data", "path="+rows)
	if code != ExitUsage || out != "" || !strings.Contains(errOut, "exp evaluate: path="+rows+": the model's output is NaN or infinite for 1 of 3 examples (row 3): that is no score") {
		t.Errorf("exp evaluate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
