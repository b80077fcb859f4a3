package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/infer/infertest"
	"github.com/exp-runner/exp/internal/record"
)

// bestEpoch returns the best val_accuracy (or, without it, val_loss) of run
// 1 and its epoch, as exp table reports it.
func bestEpoch(t *testing.T, db, metric string) (int, float64) {
	t.Helper()
	eps, err := openStore(t, db).Epochs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	best, bestV := 0, 0.0
	for _, e := range eps {
		v := *e.Value(metric)
		if best == 0 || (metric == "val_accuracy" && v > bestV) || (metric == "val_loss" && v < bestV) {
			best, bestV = e.Epoch, v
		}
	}
	return best, bestV
}

// readCSVFile returns a CSV file's rows, header first.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, nil, args...)
	if code != ExitOK {
		t.Fatalf("exp %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// TestPredictCSVClasses trains a CSV classifier through exp run, then
// predicts and evaluates with its best model by run id and through an
// exported folder, and checks the bad inputs' errors.
func TestPredictCSVClasses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", infertest.ClassesCSV(t, dir), "--db", db)
	best, bestAcc := bestEpoch(t, db, "val_accuracy")
	bests, _ := filepath.Glob(filepath.Join(dir, "runs-checkpoints", "run-1", "best-*"))
	if len(bests) != 1 || filepath.Base(bests[0]) != "best-0000"+strconv.Itoa(best) {
		t.Errorf("best checkpoints %v, want only the one of epoch %d", bests, best)
	}
	val := filepath.Join(dir, "val.csv")
	golden(t, "predict_csv.golden", mustRun(t, "predict", "1", val, "--db", db, "--top-k", "2"))

	// The validation set's predictions reproduce the recorded accuracy.
	out := filepath.Join(dir, "val_pred.csv")
	mustRun(t, "predict", "1", "--split", "val", "--format", "csv", "-o", out, "--db", db)
	pred, truth := readCSVFile(t, out), readCSVFile(t, val)
	correct := 0
	for i := 1; i < len(pred); i++ {
		if pred[i][1] == truth[i][4] {
			correct++
		}
	}
	if got := float64(correct) / float64(len(pred)-1); got != bestAcc || strings.Join(pred[0], ",") != "index,prediction,probability,p_a,p_b,p_c" {
		t.Errorf("--split val: accuracy %v, want the best recorded %v; header %v", got, bestAcc, pred[0])
	}
	ev := mustRun(t, "evaluate", "1", "--data", "path="+val, "--db", db)
	if want := "accuracy: " + strconv.FormatFloat(bestAcc, 'f', 6, 64); !strings.Contains(ev, want) {
		t.Errorf("evaluate:\n%s\nwant %q", ev, want)
	}
	show := mustRun(t, "show", "1", "--db", db)
	i := strings.Index(show, "\nBest model:")
	if i < 0 {
		t.Fatalf("show:\n%s", show)
	}
	show = strings.ReplaceAll(show[i:], dir, "DIR")
	show = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`).ReplaceAllString(show, "TIME")
	show = regexp.MustCompile(` +`).ReplaceAllString(show, " ") // the folder's length shifts the columns
	golden(t, "show_predict.golden", show)
	html := filepath.Join(dir, "report.html")
	mustRun(t, "report", "--db", db, "-o", html)
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "confusion matrix: run 1 (cls), epoch "+strconv.Itoa(best)) {
		t.Errorf("the report has no heatmap of run 1's confusion matrix (%v)", err)
	}

	// An exported folder predicts the same, without the database.
	model := filepath.Join(dir, "model")
	mustRun(t, "export-model", "1", "-o", model, "--db", db)
	if got := mustRun(t, "predict", model, val, "--top-k", "2"); got != mustRun(t, "predict", "1", val, "--db", db, "--top-k", "2") {
		t.Errorf("the exported folder predicts differently:\n%s", got)
	}
	if ev2 := mustRun(t, "evaluate", model, "--data", "path="+val); !strings.Contains(ev2, strconv.FormatFloat(bestAcc, 'f', 6, 64)) {
		t.Errorf("evaluate of the folder:\n%s", ev2)
	}
	evs, err := openStore(t, db).Evaluations(context.Background(), 1)
	if err != nil || len(evs) != 1 {
		t.Errorf("evaluations %v, %v: want the run id's one only (a folder without --db records none)", evs, err)
	}
	testPredictErrors(t, dir, db, model)
}

func testPredictErrors(t *testing.T, dir, db, model string) {
	bad := infertest.WriteCSV(t, dir, "bad.csv", "x1,color\n1,red\n")
	unseen := infertest.WriteCSV(t, dir, "unseen.csv", "x1,color,x2\n1,red,0\n2,green,1\n")
	out := filepath.Join(dir, "never.csv")
	newer := filepath.Join(dir, "newer")
	os.CopyFS(newer, os.DirFS(model))
	meta := filepath.Join(newer, "model.json")
	b, _ := os.ReadFile(meta)
	os.WriteFile(meta, []byte(strings.Replace(string(b), fmt.Sprintf(`"format_version": %d`, infer.FormatVersion), `"format_version": 99`, 1)), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"predict", "1", bad, "-o", out, "--db", db}, `column "x2"`},
		{[]string{"predict", "1", unseen, "-o", out, "--db", db}, "unseen.csv:3"},
		{[]string{"predict", newer, bad, "-o", out}, "newer exp"},
		{[]string{"predict", "1", "--split", "test", "--db", db}, "--split must be val"},
	} {
		code, _, errOut := run(t, nil, tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("exp %v: exit %d, %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed predict wrote its -o file")
	}
	// An output that is NaN is no score: exp evaluate exits 2 and records nothing.
	nan := infertest.WriteCSV(t, dir, "nan.csv", "x1,color,x2,species\n3e38,blue,-3e38,b\n")
	code, _, errOut := run(t, nil, "evaluate", "1", "--data", "path="+nan, "--db", db)
	evs, err := openStore(t, db).Evaluations(context.Background(), 1)
	if code != ExitUsage || !strings.Contains(errOut, "NaN or infinite for 1 of 1 examples (row 2): that is no score") || err != nil || len(evs) != 1 {
		t.Errorf("evaluating NaN outputs: exit %d, %q; %d evaluations recorded (%v), want still 1", code, errOut, len(evs), err)
	}
	bests, _ := filepath.Glob(filepath.Join(dir, "runs-checkpoints", "run-1", "best-*"))
	testCorruptBest(t, db, bests[0], filepath.Join(dir, "val.csv"))
	for _, b := range bests {
		os.RemoveAll(b)
	}
	code, _, errOut = run(t, nil, "predict", "1", filepath.Join(dir, "val.csv"), "--db", db)
	if code != ExitUsage || !strings.Contains(errOut, "no best checkpoint") {
		t.Errorf("a run without its best checkpoint: exit %d, %q", code, errOut)
	}
}

// testCorruptBest damages the run's best checkpoint best in turn: a
// negative dimension in its description, its data file cut short, its
// magic bytes overwritten. exp predict of the run exits 2 naming the file.
func testCorruptBest(t *testing.T, db, best, val string) {
	t.Helper()
	desc, _ := filepath.Glob(filepath.Join(best, "checkpoint-*.json"))
	data, _ := filepath.Glob(filepath.Join(best, "checkpoint-*.bin"))
	if len(desc) != 1 || len(data) != 1 {
		t.Fatalf("%s: %v %v", best, desc, data)
	}
	descBytes, err := os.ReadFile(desc[0])
	if err != nil {
		t.Fatal(err)
	}
	dataBytes, err := os.ReadFile(data[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name        string
		file        string
		b           []byte
		want, want2 string
	}{
		{"negative dimension", desc[0], []byte(strings.Replace(string(descBytes), "\n\t\t\t\t16\n", "\n\t\t\t\t-16\n", 1)), desc[0], "dimension 1 is -16"},
		{"truncated", data[0], dataBytes[:len(dataBytes)-40], data[0], "truncated"},
		{"magic bytes", data[0], append([]byte("XXXXXXXX"), dataBytes[8:]...), data[0], "not a GoMLX checkpoint's data"},
	} {
		os.WriteFile(tt.file, tt.b, 0o644)
		code, out, errOut := run(t, nil, "predict", "1", val, "--db", db)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, tt.want2) {
			t.Errorf("a best checkpoint with %s: exit %d, stdout %q, stderr %q; want exit 2 naming %s, saying %q", tt.name, code, out, errOut, tt.want, tt.want2)
		}
		os.WriteFile(desc[0], descBytes, 0o644)
		os.WriteFile(data[0], dataBytes, 0o644)
	}
}

// TestPredictCSVRegression trains a regression on CSV rows: evaluate's loss
// is the best recorded val_loss and its MSE matches it; the exported folder
// evaluates the same.
func TestPredictCSVRegression(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", infertest.RegressionCSV(t, dir), "--db", db)
	_, bestLoss := bestEpoch(t, db, "val_loss")
	ev := mustRun(t, "evaluate", "1", "--db", db)
	mse := regexp.MustCompile(`mse: ([0-9.]+)`).FindStringSubmatch(ev)
	if !strings.Contains(ev, "loss: "+strconv.FormatFloat(bestLoss, 'f', 6, 64)) || len(mse) < 2 || !strings.Contains(ev, "r2: ") {
		t.Fatalf("evaluate:\n%s\nwant loss %v", ev, bestLoss)
	}
	if v, _ := strconv.ParseFloat(mse[1], 64); v < bestLoss*(1-1e-4) || v > bestLoss*(1+1e-4) {
		t.Errorf("MSE %v, want the recorded val_loss %v", v, bestLoss)
	}
	model := filepath.Join(dir, "model")
	mustRun(t, "export-model", "1", "-o", model, "--db", db)
	if got := mustRun(t, "evaluate", model, "--data", "path="+filepath.Join(dir, "rval.csv")); !strings.Contains(got, mse[0]) {
		t.Errorf("the folder's evaluation:\n%s\nwant %s", got, mse[0])
	}
	got := mustRun(t, "predict", model, filepath.Join(dir, "rval.csv"), "--format", "json")
	if !strings.HasPrefix(got, `[`+"\n"+`  {"row": 2, "y": "`) || !strings.Contains(got, `"prediction": `) {
		t.Errorf("json predictions:\n%.300s", got)
	}
}

// TestPredictMNISTSplitVal trains the reference MLP on a slice of MNIST for
// two epochs: predicting its validation set reproduces the best recorded
// val_accuracy exactly, and the stored confusion matrix counts every
// validation image.
func TestPredictMNISTSplitVal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", "../../configs/mlp.yaml", "--db", db, "--epochs", "2", "--set", "data.train_examples=2000",
		"--set", "data.val_examples=1000", "--set", "train.learning_rate=3e-3", "--set", "train.eval_batch_size=300")
	_, bestAcc := bestEpoch(t, db, "val_accuracy")
	out := filepath.Join(dir, "val.csv")
	mustRun(t, "predict", "1", "--split", "val", "--format", "csv", "-o", out, "--db", db)
	s := openStore(t, db)
	r, err := s.Run(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("stored", []byte(r.ConfigYAML), nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := cfg.Data.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSVFile(t, out)[1:]
	correct := 0
	for i, row := range rows {
		if row[1] == strconv.Itoa(int(set.Val.Labels[i])) {
			correct++
		}
	}
	if got := float64(correct) / float64(len(rows)); len(rows) != 1000 || got != bestAcc {
		t.Errorf("%d predictions, accuracy %v; want 1000 and the best recorded val_accuracy %v", len(rows), got, bestAcc)
	}
	// The same images as PNG files (exp data export) predict the same.
	png := filepath.Join(dir, "png")
	mustRun(t, "data", "export", "mnist", "--format", "png", "--first", "12", png)
	byRun := mustRun(t, "predict", "1", filepath.Join(png, "test"), "--format", "csv", "--db", db)
	model := filepath.Join(dir, "model")
	mustRun(t, "export-model", "1", "-o", model, "--db", db)
	if byFolder := mustRun(t, "predict", model, filepath.Join(png, "test"), "--format", "csv"); byFolder != byRun {
		t.Errorf("the exported folder predicts:\n%s\nthe run:\n%s", byFolder, byRun)
	}
	for _, line := range strings.Split(strings.TrimSpace(byRun), "\n")[1:] {
		f := strings.Split(line, ",")
		i, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f[0]), ".png"))
		if err != nil || f[1] != rows[i][1] {
			t.Errorf("%s predicted %s; image %d of the validation set %s", f[0], f[1], i, rows[i][1])
		}
	}
	cm, err := s.Confusion(context.Background(), 1)
	if err != nil || !strings.Contains(cm, `"matrix":[[`) {
		t.Fatalf("confusion %q, %v", cm, err)
	}
	var total int
	for _, n := range regexp.MustCompile(`\d+`).FindAllString(cm[strings.Index(cm, "matrix"):], -1) {
		v, _ := strconv.Atoi(n)
		total += v
	}
	if total != 1000 {
		t.Errorf("the confusion matrix counts %d images, want 1000", total)
	}
	_ = record.StatusCompleted
}
