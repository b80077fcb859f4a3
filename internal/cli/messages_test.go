package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMessages: the confusing messages of issue 18 (item 8), each as the
// issue gives it.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	db := csvRun(t, dir)
	model := filepath.Join(dir, "model")
	mustRun(t, "export-model", "1", "--db", db, "-o", model)
	rows := filepath.Join(dir, "rows.csv")

	t.Run("deleted preprocessing.json", func(t *testing.T) {
		broken := filepath.Join(dir, "broken")
		os.CopyFS(broken, os.DirFS(model))
		os.Remove(filepath.Join(broken, "preprocessing.json"))
		code, _, errOut := run(t, nil, "predict", broken, rows)
		if code != ExitUsage || !strings.Contains(errOut, filepath.Join(broken, "preprocessing.json")) || strings.Contains(errOut, "preprocessing: preprocessing:") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("missing input", func(t *testing.T) {
		missing := filepath.Join(dir, "nope.csv")
		code, _, errOut := run(t, nil, "predict", "1", missing, "--db", db)
		if code != ExitUsage || !strings.Contains(errOut, missing+" does not exist") || strings.Contains(errOut, "no such file") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("dangling symlink", func(t *testing.T) {
		link := filepath.Join(dir, "link.csv")
		os.Symlink("gone.csv", link)
		code, _, errOut := run(t, nil, "predict", "1", link, "--db", db)
		want := link + " is a symbolic link to " + filepath.Join(dir, "gone.csv") + ", which does not exist"
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, %q; want %q", code, errOut, want)
		}
		cfg := writeFile(t, dir, "dangling.yaml", "data: {dataset: csv, path: link.csv, target: label}\nmodel: {layers: [{type: dense, units: 2}]}\n")
		code, _, errOut = run(t, nil, "validate", cfg)
		if code != ExitUsage || !strings.Contains(errOut, "data.path: "+want) {
			t.Errorf("validate: exit %d, %q", code, errOut)
		}
	})
	t.Run("every input file", func(t *testing.T) {
		a, b := filepath.Join(dir, "a-missing.csv"), filepath.Join(dir, "b-missing.csv")
		code, _, errOut := run(t, nil, "predict", "1", a, rows, b, "--db", db)
		if code != ExitUsage || !strings.Contains(errOut, a+" does not exist") || !strings.Contains(errOut, b+" does not exist") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("data file as config", func(t *testing.T) {
		code, _, errOut := run(t, nil, "run", rows, "--db", db)
		if code != ExitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `got text whose first line is "x1,x2,label"`) || strings.Contains(errOut, "0,0,a") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("every bad value", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("x1,x2,label\n")
		for i := range 300 {
			x := fmt.Sprint(i % 7)
			if i%12 == 0 {
				x = "bad"
			}
			fmt.Fprintf(&b, "%s,%d,%c\n", x, i%5, 'a'+i%2)
		}
		writeFile(t, dir, "bad.csv", b.String())
		cfg := writeFile(t, dir, "bad.yaml", "data: {dataset: csv, path: bad.csv, target: label, validation_split: 0.2}\nmodel: {layers: [{type: dense, units: 2}]}\n")
		code, _, errOut := run(t, nil, "validate", cfg)
		if code != ExitUsage || strings.Count(errOut, `"bad" is not a number`) != 20 || !strings.Contains(errOut, "\n  … and 5 more") {
			t.Errorf("exit %d:\n%s", code, errOut)
		}
		code, _, errOut = run(t, nil, "predict", "1", filepath.Join(dir, "bad.csv"), "--db", db)
		if code != ExitUsage || strings.Count(errOut, `"bad" is not a number`) != 20 || !strings.Contains(errOut, "… and 5 more") {
			t.Errorf("predict: exit %d:\n%s", code, errOut)
		}
	})
}

// TestFreshCloneImages: on a fresh clone (no configs/data/mnist-png),
// validating configs/images-mnist.yaml says the labels do not exist and
// which command writes them.
func TestFreshCloneImages(t *testing.T) {
	root := t.TempDir()
	src, err := os.ReadFile("../../configs/images-mnist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(root, "configs"), 0o755)
	writeFile(t, filepath.Join(root, "configs"), "images-mnist.yaml", string(src))
	t.Chdir(root)
	code, _, errOut := run(t, nil, "validate", "configs/images-mnist.yaml")
	for _, want := range []string{
		"configs/images-mnist.yaml:11:11: data.labels: " + filepath.Join(root, "configs/data/mnist-png/train/labels.csv") + " does not exist; write it with: exp data export mnist --format png configs/data/mnist-png",
		"data.val_path: " + filepath.Join(root, "configs/data/mnist-png/test/labels.csv") + " does not exist",
	} {
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d:\n%s\nwant %q", code, errOut, want)
		}
	}
}

// TestBatchNormWarmup: a config whose batchnorm cannot warm up in its
// training steps is warned about by exp validate and exp run.
func TestBatchNormWarmup(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bn.yaml", `
data: {dataset: linear, n: 64}
model: {layers: [{type: dense, units: 4}, {type: batchnorm}, {type: dense, units: 1}]}
train: {optimizer: sgd, loss: mse, batch_size: 32, epochs: 3}
`)
	want := "batchnorm (momentum 0.99) trains for 6 steps (3 epochs × 2 batches), fewer than the 300 = 3/(1−momentum) its moving averages need to warm up"
	_, out, _ := run(t, nil, "validate", cfg)
	if !strings.Contains(out, "warning: the model's "+want) || !strings.Contains(out, "or lower the momentum") {
		t.Errorf("validate:\n%s", out)
	}
	_, _, errOut := run(t, nil, "run", cfg, "--db", filepath.Join(dir, "runs.db"))
	if !strings.Contains(errOut, "exp: warning: the model's "+want) {
		t.Errorf("run:\n%s", errOut)
	}
	cfg = writeFile(t, dir, "bn9.yaml", strings.Replace(string(must(os.ReadFile(cfg))), "{type: batchnorm}", "{type: batchnorm, momentum: 0.5}", 1))
	if _, out, _ := run(t, nil, "validate", cfg); strings.Contains(out, "warning") {
		t.Errorf("momentum 0.5 warms up in 6 steps, yet:\n%s", out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestExportHoldsNoPaths: a model folder holds no absolute path of the
// machine that trained it (issue 18, item 9): not in preprocessing.json's
// task_reason, not in config.yaml when --set gave an absolute data path,
// not even for a run stored before task_reason named files by base name.
func TestExportHoldsNoPaths(t *testing.T) {
	dir := t.TempDir()
	db := csvRun(t, dir)
	abs := filepath.Join(dir, "rows.csv")
	mustRun(t, "run", filepath.Join(dir, "rows.yaml"), "--db", db, "--new", "--set", "data.path="+abs, "--set", "train.seed=1")
	// Run 1 as an older exp stored it: an absolute path in task_reason.
	raw, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.ExecContext(context.Background(), `UPDATE runs SET preprocessing = replace(preprocessing, 'at rows.csv:', ?) WHERE id = 1`, "at "+abs+":")
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"1", "2"} {
		out := filepath.Join(dir, "model-"+run)
		mustRun(t, "export-model", run, "--db", db, "-o", out)
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b, _ := os.ReadFile(p); strings.Contains(string(b), dir) {
				t.Errorf("run %s: %s holds %s", run, p, dir)
			}
			return nil
		})
		if b, _ := os.ReadFile(filepath.Join(out, "preprocessing.json")); !strings.Contains(string(b), "at rows.csv:") {
			t.Errorf("run %s: task_reason lost its file name:\n%s", run, b)
		}
		if got := mustRun(t, "predict", out, abs); !strings.Contains(got, "prediction") {
			t.Errorf("run %s: the portable folder does not predict:\n%s", run, got)
		}
	}
}
