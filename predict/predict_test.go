package predict_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/infer/infertest"
	"github.com/exp-runner/exp/predict"
)

var update = flag.Bool("update", false, "rewrite testdata/species, the examples' model folder")

// readCSV returns a CSV file's header and rows.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

// reorder returns the rows with their columns in the order names gives.
func reorder(header []string, rows [][]string, names []string) [][]string {
	pos := map[string]int{}
	for i, h := range header {
		pos[h] = i
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, n := range names {
			out[i] = append(out[i], r[pos[n]])
		}
	}
	return out
}

// TestClassification exports a CSV classifier and checks that predicting its
// validation rows (columns in another order) through the package gives the
// best recorded val_accuracy exactly.
func TestClassification(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	epochs := infertest.Export(t, infertest.ClassesCSV(t, dir), model)
	m, err := predict.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Classes(), ","); got != "a,b,c" {
		t.Errorf("classes %s, want a,b,c", got)
	}
	header, rows := readCSV(t, filepath.Join(dir, "val.csv"))
	names := []string{"species", "x2", "color", "id", "x1"}
	preds, err := m.Predict(context.Background(), predict.Rows(names, reorder(header, rows, names)))
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, p := range preds {
		if p.Label == rows[i][4] {
			correct++
		}
		if sum := p.Probabilities[0] + p.Probabilities[1] + p.Probabilities[2]; math.Abs(sum-1) > 1e-5 || p.Probability != p.Probabilities[p.Index] {
			t.Fatalf("row %d: probabilities %v (sum %v), probability %v of %d", i, p.Probabilities, sum, p.Probability, p.Index)
		}
	}
	best := 0.0
	for _, e := range epochs {
		best = max(best, *e.ValAccuracy)
	}
	if got := float64(correct) / float64(len(rows)); got != best {
		t.Errorf("accuracy of the predictions %v, want the best recorded val_accuracy %v", got, best)
	}
}

// TestRegression checks the predicted values' MSE on the validation rows
// against the best recorded val_loss (the mse loss), and Tensors against Rows.
func TestRegression(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	epochs := infertest.Export(t, infertest.RegressionCSV(t, dir), model)
	m, err := predict.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	header, rows := readCSV(t, filepath.Join(dir, "rval.csv"))
	preds, err := m.Predict(context.Background(), predict.Rows(header, rows))
	if err != nil {
		t.Fatal(err)
	}
	var se float64
	for i, p := range preds {
		y := mustFloat(t, rows[i][1])
		se += (p.Values[0] - y) * (p.Values[0] - y)
	}
	best := math.Inf(1)
	for _, e := range epochs {
		best = min(best, *e.ValLoss)
	}
	if mse := se / float64(len(rows)); math.Abs(mse-best) > 1e-5*best {
		t.Errorf("MSE of the predictions %v, want the best recorded val_loss %v", mse, best)
	}
	if m.Classes() != nil || len(m.InputShape()) != 1 {
		t.Errorf("classes %v, input shape %v; want none and one axis", m.Classes(), m.InputShape())
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmtSscan(s, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBadInputs checks the errors for inputs that do not fit and for a
// folder from a newer exp.
func TestBadInputs(t *testing.T) {
	m, err := predict.Load("testdata/species")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		in   predict.Inputs
		want string
	}{
		{"missing column", predict.Rows([]string{"x1", "color"}, [][]string{{"1", "red"}}), "x2"},
		{"unseen category", predict.Rows([]string{"x1", "color", "x2"}, [][]string{{"1", "red", "0"}, {"1", "green", "0"}}), `rows:3: column "color": category "green"`},
		{"tensors", predict.Tensors(make([]float32, 5)), "not a whole number"},
		{"images", predict.Images(image.NewGray(image.Rect(0, 0, 2, 2))), "not images"},
	} {
		_, err := m.Predict(ctx, tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"model.json", "config.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata/species", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "model.json" {
			b = []byte(strings.Replace(string(b), fmt.Sprintf(`"format_version": %d`, infer.FormatVersion), fmt.Sprintf(`"format_version": %d`, infer.FormatVersion+1), 1))
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	if _, err := predict.Load(dir); err == nil || !strings.Contains(err.Error(), "newer exp") {
		t.Errorf("a folder of a newer format: error %v, want one saying it is from a newer exp", err)
	}
}

// TestExampleModel checks that testdata/species, the model the examples
// load, is a folder of the current format that loads without a warning;
// under -update it rewrites it first, from the three-class CSV problem.
func TestExampleModel(t *testing.T) {
	if *update {
		writeExampleModel(t)
	}
	m, err := predict.Load("testdata/species")
	if err != nil {
		t.Fatalf("%v (go test ./predict -run TestExampleModel -update rewrites it)", err)
	}
	b, err := os.ReadFile("testdata/species/model.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta infer.Meta
	if err := json.Unmarshal(b, &meta); err != nil || meta.FormatVersion != infer.FormatVersion || len(m.Warnings()) > 0 {
		t.Errorf("testdata/species: format %d (%v), warnings %q; want format %d and none (go test ./predict -run TestExampleModel -update rewrites it)",
			meta.FormatVersion, err, m.Warnings(), infer.FormatVersion)
	}
}

// writeExampleModel rewrites testdata/species. Its config names the data
// files relative to itself, so that the folder holds no temporary paths.
func writeExampleModel(t *testing.T) {
	dir := t.TempDir()
	cfg := infertest.ClassesCSV(t, dir)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(string(b), dir+string(filepath.Separator), "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll("testdata/species"); err != nil {
		t.Fatal(err)
	}
	infertest.Export(t, cfg, "testdata/species")
}

// TestLinksNoDatabase: loading and running a model folder needs no results
// database, so this package links no database driver nor the plotting and
// table libraries of the reports.
func TestLinksNoDatabase(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/mattn/go-sqlite3", "github.com/jackc/pgx", "gonum.org/v1/plot", "github.com/olekukonko/tablewriter", "github.com/exp-runner/exp/internal/resultdb"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("predict depends on %s", dep)
			}
		}
	}
}
