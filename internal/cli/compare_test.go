package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// comparisonDB builds a results database with a fixed clock: a sweep of 7
// trials (variant mlp|cnn × seed, two learning rates for mlp) with hand-picked
// validation accuracies, and a regression run with a name full of quotes and
// SQL.
func comparisonDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "runs.db")
	clock := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	s := openStore(t, db, resultdb.WithClock(func() time.Time { clock = clock.Add(10 * time.Second); return clock }))
	ctx := context.Background()
	sw, _, err := s.OpenSweep(ctx, "grid", "/work/configs/grid.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]string{
		"mlp": "[{type: flatten}, {type: dense, units: 10, activation: softmax}]",
		"cnn": "[{type: conv2d, filters: 4, kernel_size: 3}, {type: flatten}, {type: dense, units: 10}]",
	}
	type trial struct {
		variant string
		lr      float64
		seed    int
		val     []float64
	}
	trials := []trial{
		{"mlp", 1e-3, 1, []float64{0.80, 0.90}},
		{"mlp", 1e-3, 2, []float64{0.85, 0.92}},
		{"mlp", 1e-3, 3, []float64{0.94, 0.93}},
		{"mlp", 1e-4, 1, []float64{0.70, 0.75}},
		{"cnn", 1e-3, 1, []float64{0.97, 0.98}},
		{"cnn", 1e-3, 2, []float64{0.96, 0.99}},
		{"cnn", 1e-3, 3, nil}, // failed before its first epoch
	}
	var plan []*record.Run
	for _, tr := range trials {
		src := fmt.Sprintf("name: grid\nmodel: {name: %s, layers: %s}\ntrain: {learning_rate: %g, seed: %d, epochs: 2}\n", tr.variant, models[tr.variant], tr.lr, tr.seed)
		cfg, err := config.Parse("grid.yaml", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		plan = append(plan, &record.Run{Name: cfg.Name, ModelName: cfg.Model.Name, ConfigYAML: cfg.YAML(), ConfigHash: cfg.Hash(),
			Seed: cfg.Train.Seed, Backend: "go", Optimizer: "adam", LearningRate: tr.lr, BatchSize: 32, Epochs: 2,
			Variant: tr.variant, Params: map[string]any{"variant": tr.variant, "train.learning_rate": tr.lr, "train.seed": tr.seed}})
	}
	all, _, err := s.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	for i, tr := range trials {
		r, err := s.ClaimTrial(ctx, []int64{all[i].ID}, resultdb.Claim{Owner: "t"})
		if err != nil {
			t.Fatal(err)
		}
		for e, v := range tr.val {
			if err := s.AddTrialEpoch(ctx, "t", &record.Epoch{RunID: r.ID, Epoch: e + 1, Loss: f(1 - v/2), Accuracy: f(v - 0.01),
				ValLoss: f(1 - v), ValAccuracy: f(v), Seconds: 30, MsPerStep: 2, ExamplesPerSecond: 1000}); err != nil {
				t.Fatal(err)
			}
		}
		status, msg := record.StatusCompleted, ""
		if tr.val == nil {
			status, msg = record.StatusFailed, "out of memory"
		}
		s.FinishTrial(ctx, r.ID, "t", resultdb.Outcome{Status: status, Error: msg})
	}
	// A regression run outside the sweep, whose name holds quotes and SQL.
	src := "name: \"it's \\\"quoted\\\"; DROP TABLE runs; --\"\ndata: {dataset: linear}\nmodel: {layers: [{type: dense, units: 1}]}\n"
	cfg, err := config.Parse("lin.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	sw2, _, _ := s.OpenSweep(ctx, cfg.Name, "/work/lin.yaml", "h2", "", false)
	all, _, err = s.PlanTrials(ctx, sw2.ID, []*record.Run{{Name: cfg.Name, ModelName: "linear", ConfigYAML: cfg.YAML(),
		ConfigHash: cfg.Hash(), Backend: "go", Optimizer: "sgd", LearningRate: 0.5, BatchSize: 32, Epochs: 1}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.ClaimTrial(ctx, []int64{all[0].ID}, resultdb.Claim{Owner: "t"})
	s.AddTrialEpoch(ctx, "t", &record.Epoch{RunID: r.ID, Epoch: 1, Loss: f(1.01), Seconds: 1, MsPerStep: 1, ExamplesPerSecond: 1})
	s.FinishTrial(ctx, r.ID, "t", resultdb.Outcome{Status: record.StatusCompleted})
	return db
}

func TestTableFormats(t *testing.T) {
	db := comparisonDB(t)
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"table_runs.golden", []string{"--sweep", "grid"}},
		{"table_markdown.golden", []string{"--sweep", "grid", "--format", "markdown"}},
		{"table_csv.golden", []string{"--sweep", "grid", "--format", "csv"}},
		{"table_json.golden", []string{"--sweep", "grid", "--format", "json", "--top", "2"}},
		{"table_groups.golden", []string{"--sweep", "grid", "--group-by", "variant,train.learning_rate"}},
		{"table_groups_markdown.golden", []string{"--sweep", "grid", "--group-by", "variant", "--format", "markdown"}},
		{"table_all_loss.golden", []string{"--metric", "loss", "--sort", "-id", "--top", "3"}},
		{"table_where.golden", []string{"--where", "variant=mlp", "--where", "train.learning_rate=1e-3", "--sort", "train.seed"}},
	} {
		code, out, errOut := run(t, nil, append([]string{"table", "--db", db}, tt.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		golden(t, tt.golden, out)
	}
}

// TestGroupArithmetic checks n, mean and sample std of the best values
// against hand-computed ones.
func TestGroupArithmetic(t *testing.T) {
	db := comparisonDB(t)
	code, out, errOut := run(t, nil, "table", "--db", db, "--sweep", "grid", "--group-by", "variant,train.learning_rate", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var groups []map[string]any
	if err := json.Unmarshal([]byte(out), &groups); err != nil {
		t.Fatal(err)
	}
	// mlp 1e-3: best of each trial 0.90, 0.92, 0.94 → mean 0.92, std 0.02.
	// cnn 1e-3: 0.98, 0.99 (the third failed without a value) → n 2, mean 0.985, std 0.00707.
	// mlp 1e-4: 0.75 alone → std null.
	want := map[string][4]float64{ // n, mean, std, best run
		"mlp 0.001":  {3, 0.92, 0.02, 3},
		"cnn 0.001":  {2, 0.985, math.Sqrt(0.00005), 6},
		"mlp 0.0001": {1, 0.75, math.NaN(), 4},
	}
	if len(groups) != 3 {
		t.Fatalf("%d groups: %s", len(groups), out)
	}
	for _, g := range groups {
		key := fmt.Sprintf("%v %v", g["variant"], g["train.learning_rate"])
		w, ok := want[key]
		if !ok {
			t.Fatalf("unexpected group %s", key)
		}
		std, _ := g["std"].(float64)
		if g["n"].(float64) != w[0] || math.Abs(g["mean best val_accuracy"].(float64)-w[1]) > 1e-12 ||
			(math.IsNaN(w[2]) != (g["std"] == nil)) || (!math.IsNaN(w[2]) && math.Abs(std-w[2]) > 1e-12) || g["best run"].(float64) != w[3] {
			t.Errorf("group %s: %v, want n, mean, std, best run = %v", key, g, w)
		}
	}
}

// TestWhereQuotes selects a run by a value full of quotes and SQL: it is
// compared as a value, never spliced into SQL.
func TestWhereQuotes(t *testing.T) {
	db := comparisonDB(t)
	name := `it's "quoted"; DROP TABLE runs; --`
	code, out, errOut := run(t, nil, "table", "--db", db, "--where", "name="+`'it''s "quoted"; DROP TABLE runs; --'`, "--format", "csv", "--metric", "loss")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][1] != name {
		t.Fatalf("selected %v (%v)", recs, err)
	}
	// The runs table is still there, with all 8 runs.
	if _, out, _ := run(t, nil, "table", "--db", db, "--format", "csv"); strings.Count(out, "\n") != 9 {
		t.Errorf("after the query:\n%s", out)
	}
	for _, bad := range []string{"nokey", "a..b=1", "x=[1, 2]"} {
		if code, _, errOut := run(t, nil, "table", "--db", db, "--where", bad); code != ExitUsage || !strings.Contains(errOut, "--where #1") {
			t.Errorf("--where %s: exit %d, %s", bad, code, errOut)
		}
	}
}

// TestExportRoundTrip: every epoch row appears exactly once, in CSV and JSON.
func TestExportRoundTrip(t *testing.T) {
	db := comparisonDB(t)
	s := openStore(t, db)
	all, err := s.AllEpochs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for id, eps := range all {
		for _, e := range eps {
			v := -1.0
			if e.ValAccuracy != nil {
				v = *e.ValAccuracy
			}
			want[fmt.Sprintf("%d/%d", id, e.Epoch)] = v
		}
	}
	_, out, _ := run(t, nil, "export", "--db", db)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for _, c := range []string{"run_id", "epoch", "variant", "config.train.learning_rate", "config.train.seed", "val_accuracy"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("no column %s in %v", c, recs[0])
		}
	}
	if _, ok := col["config.model.layers"]; ok {
		t.Error("layer lists are flattened into columns")
	}
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		k := r[col["run_id"]] + "/" + r[col["epoch"]]
		if seen[k] {
			t.Errorf("row %s twice", k)
		}
		seen[k] = true
		if w, ok := want[k]; !ok || (w >= 0 && r[col["val_accuracy"]] != fmt.Sprint(w)) {
			t.Errorf("row %s: val_accuracy %q, want %v", k, r[col["val_accuracy"]], w)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d rows exported, %d stored", len(seen), len(want))
	}
	_, out, _ = run(t, nil, "export", "--db", db, "--format", "json", "--sweep", "grid")
	var objs []map[string]any
	if err := json.Unmarshal([]byte(out), &objs); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 12 || objs[0]["config.train.learning_rate"] != 0.001 || objs[0]["variant"] != "mlp" {
		t.Errorf("JSON export: %d objects, first %v", len(objs), objs[0])
	}
}

func TestShow(t *testing.T) {
	db := comparisonDB(t)
	code, out, errOut := run(t, nil, "show", "--db", db, "2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "show.golden", out)
	if code, _, errOut := run(t, nil, "show", "--db", db, "grid"); code != ExitUsage || !strings.Contains(errOut, `7 runs are named "grid"`) {
		t.Errorf("ambiguous name: exit %d, %s", code, errOut)
	}
}

func TestPlotAndReport(t *testing.T) {
	db := comparisonDB(t)
	dir := t.TempDir()
	for _, name := range []string{"curves.png", "groups.svg"} {
		args := []string{"plot", "--db", db, "--sweep", "grid", "-o", filepath.Join(dir, name)}
		if name == "groups.svg" {
			args = append(args, "--group-by", "variant")
		}
		if code, _, errOut := run(t, nil, args...); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	f, err := os.Open(filepath.Join(dir, "curves.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("PNG: %v %v", img, err)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "groups.svg"))
	if err := xml.Unmarshal(svg, new(struct{})); err != nil || !strings.Contains(string(svg), "variant=mlp (n=4)") {
		t.Errorf("SVG: %v", err)
	}
	if code, _, errOut := run(t, nil, "plot", "--db", db, "-o", filepath.Join(dir, "x.gif")); code != ExitUsage || !strings.Contains(errOut, "-o") {
		t.Errorf("bad extension: exit %d: %s", code, errOut)
	}

	out := filepath.Join(dir, "report.html")
	if code, _, errOut := run(t, nil, "report", "--db", db, "--group-by", "variant", "--metric", "loss", "-o", out); code != ExitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	html, _ := os.ReadFile(out)
	h := string(html)
	for _, want := range []string{"<svg", "it&#39;s &#34;quoted&#34;; DROP TABLE runs; --", "learning_rate: 0.001"} {
		if !strings.Contains(h, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(h, "<script") || strings.Contains(h, `it's "quoted"`) {
		t.Error("report has a script or an unescaped value")
	}
}

// TestTableSortBest: the README's `exp table --sort -best` sorts by the
// best value of the metric (it said `column "best" is ambiguous`: "best
// epoch" starts with "best" too); so does --sort best by groups.
func TestTableSortBest(t *testing.T) {
	db := comparisonDB(t)
	for _, tt := range []struct {
		args []string
		want string // the first column of the CSV's rows
	}{
		{[]string{"--sweep", "grid", "--sort", "-best"}, "6 5 3 2 1 4 7"},
		{[]string{"--sweep", "grid", "--sort", "best"}, "4 1 2 3 5 6 7"},
		{[]string{"--sweep", "grid", "--group-by", "variant", "--sort", "best"}, "mlp cnn"},
		{[]string{"--sweep", "grid", "--group-by", "variant", "--sort", "-best"}, "cnn mlp"},
	} {
		code, out, errOut := run(t, nil, append([]string{"table", "--db", db, "--format", "csv"}, tt.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		var first []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			first = append(first, strings.Split(line, ",")[0])
		}
		if got := strings.Join(first, " "); got != tt.want {
			t.Errorf("%v: rows %s, want %s", tt.args, got, tt.want)
		}
	}
}
