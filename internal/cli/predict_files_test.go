package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/registry"
)

// evaluatedAccuracy runs exp evaluate and returns the accuracy it prints.
func evaluatedAccuracy(t *testing.T, args ...string) float64 {
	t.Helper()
	out := mustRun(t, append([]string{"evaluate"}, args...)...)
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "accuracy: "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("exp evaluate %v printed no accuracy:\n%s", args, out)
	return 0
}

// TestPredictNPZAndEvaluateImages: an npz run predicts and evaluates an
// .npz file, and an images run evaluates a labelled folder (its labels
// CSV); scored on the run's own validation examples, both give the best
// recorded val_accuracy.
func TestPredictNPZAndEvaluateImages(t *testing.T) {
	const n = 300
	dir := t.TempDir()
	ctx := context.Background()
	set, err := (&datasets.MNIST{}).Load(ctx, registry.DataEnv{})
	if err != nil {
		t.Fatal(err)
	}
	writeMNISTNpz(t, filepath.Join(dir, "train.npz"), set.Train.Head(n))
	writeMNISTNpz(t, filepath.Join(dir, "val.npz"), set.Val.Head(n))
	if _, err := datasets.ExportMNIST(ctx, "", "png", filepath.Join(dir, "png"), n); err != nil {
		t.Fatal(err)
	}
	common := []string{"run", "../../configs/mlp.yaml", "--epochs", "1", "--set", "train.learning_rate=3e-3"}

	npzDB := filepath.Join(dir, "npz.db")
	mustRun(t, append(common, "--db", npzDB, "--set", "data.dataset=npz", "--set", "data.path="+filepath.Join(dir, "train.npz"),
		"--set", "data.val_path="+filepath.Join(dir, "val.npz"))...)
	_, best := bestEpoch(t, npzDB, "val_accuracy")
	rows := readCSVFile(t, writeOutput(t, dir, "npz.csv", "predict", "1", filepath.Join(dir, "val.npz"), "--format", "csv", "--db", npzDB))
	if rows[0][0] != "index" || len(rows) != n+1 {
		t.Fatalf("npz predictions: header %v, %d rows", rows[0], len(rows)-1)
	}
	correct := 0
	for i, row := range rows[1:] {
		if row[0] == strconv.Itoa(i) && row[1] == strconv.Itoa(int(set.Val.Labels[i])) {
			correct++
		}
	}
	if got := float64(correct) / n; got != best {
		t.Errorf("npz: predicted accuracy %v, best recorded val_accuracy %v", got, best)
	}
	if got := evaluatedAccuracy(t, "1", "--data", "path="+filepath.Join(dir, "val.npz"), "--db", npzDB); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", best) {
		t.Errorf("npz: evaluated accuracy %v, best recorded %v", got, best)
	}
	// Its exported folder (model.json checked against the npz preprocessing) scores the same.
	npzModel := filepath.Join(dir, "npz-model")
	mustRun(t, "export-model", "1", "-o", npzModel, "--db", npzDB)
	if got := evaluatedAccuracy(t, npzModel, "--data", "path="+filepath.Join(dir, "val.npz")); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", best) {
		t.Errorf("npz folder: evaluated accuracy %v, best recorded %v", got, best)
	}

	imgDB := filepath.Join(dir, "images.db")
	labels := filepath.Join(dir, "png", "test", "labels.csv")
	mustRun(t, append(common, "--db", imgDB, "--set", "data.dataset=images",
		"--set", "data.labels="+filepath.Join(dir, "png", "train", "labels.csv"), "--set", "data.val_path="+labels)...)
	_, best = bestEpoch(t, imgDB, "val_accuracy")
	if got := evaluatedAccuracy(t, "1", "--data", "path="+labels, "--db", imgDB); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", best) {
		t.Errorf("images: evaluated accuracy %v, best recorded %v", got, best)
	}
	imgModel := filepath.Join(dir, "images-model")
	mustRun(t, "export-model", "1", "-o", imgModel, "--db", imgDB)
	if got := evaluatedAccuracy(t, imgModel, "--data", "path="+labels); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", best) {
		t.Errorf("images folder: evaluated accuracy %v, best recorded %v", got, best)
	}
}

// writeOutput runs exp with args and -o dir/name, and returns that path.
func writeOutput(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	mustRun(t, append(args, "-o", path)...)
	return path
}
