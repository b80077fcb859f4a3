package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/registry"
)

var update = flag.Bool("update", false, "rewrite blobs.jsonl")

// blobs is the text of blobs.jsonl: 100 points around each of three
// centres, class after class, spread over a square of side 3 by a
// low-discrepancy sequence (no random numbers, so the file never changes).
func blobs() []byte {
	var b bytes.Buffer
	centres := []struct {
		label string
		x, y  float64
	}{{"blue", -2, 0}, {"green", 1, 1.7}, {"red", 1, -1.7}}
	for _, c := range centres {
		for i := range 100 {
			u, v := math.Mod(float64(i)*0.6180339887, 1), math.Mod(float64(i)*0.7548776662+0.5, 1)
			fmt.Fprintf(&b, "{\"features\": [%.3f, %.3f], \"label\": %q}\n", c.x+3*(u-0.5), c.y+3*(v-0.5), c.label)
		}
	}
	return b.Bytes()
}

// TestBlobsFile: blobs.jsonl is what blobs writes (go test -update
// rewrites it).
func TestBlobsFile(t *testing.T) {
	if *update {
		if err := os.WriteFile("blobs.jsonl", blobs(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("blobs.jsonl")
	if err != nil || !bytes.Equal(got, blobs()) {
		t.Errorf("blobs.jsonl differs from blobs() (%v); run go test -update", err)
	}
}

// load reads the config file exactly as exp does (parse, decode, validate
// with the dataset) with --set overrides, and loads its data.
func load(t *testing.T, file string, sets ...string) (*config.Config, *registry.Data) {
	t.Helper()
	cfg, err := config.Load(file, config.Sets(sets))
	if err != nil {
		t.Fatal(err)
	}
	d, err := cfg.Data.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg, d
}

// points returns the examples' features as "x,y" strings: every line of
// blobs.jsonl has its own point.
func points(ex *registry.Examples) []string {
	out := make([]string, ex.N)
	for i := range out {
		out[i] = fmt.Sprintf("%g,%g", ex.X[2*i], ex.X[2*i+1])
	}
	return out
}

// TestSplit: blobs.yaml's validation_split and split_seed give disjoint
// training and validation sets that hold every example, stratified (a
// fifth of each class validates, although the file lists the classes one
// after the other), the same for the same seed and another for another
// seed; train_examples and val_examples pick from every class.
func TestSplit(t *testing.T) {
	_, d := load(t, "blobs.yaml")
	train, val := points(d.Train), points(d.Val)
	if d.Train.N != 240 || d.Val.N != 60 {
		t.Fatalf("%d training, %d validation examples; want 240, 60", d.Train.N, d.Val.N)
	}
	all := slices.Concat(train, val)
	slices.Sort(all)
	if len(slices.Compact(all)) != 300 {
		t.Errorf("training and validation examples overlap or repeat")
	}
	counts := map[int32]int{}
	for _, l := range d.Val.Labels {
		counts[l]++
	}
	if counts[0] != 20 || counts[1] != 20 || counts[2] != 20 {
		t.Errorf("validation classes %v, want 20 of each", counts)
	}
	if _, again := load(t, "blobs.yaml"); !slices.Equal(points(again.Val), val) {
		t.Error("the same split_seed held out other examples")
	}
	if _, other := load(t, "blobs.yaml", "data.split_seed=2"); slices.Equal(points(other.Val), val) {
		t.Error("split_seed 2 held out the same examples as split_seed 1")
	}
	_, lim := load(t, "blobs.yaml", "data.train_examples=30", "data.val_examples=6")
	seen := map[int32]bool{}
	for _, l := range lim.Train.Labels {
		seen[l] = true
	}
	if lim.Train.N != 30 || lim.Val.N != 6 || len(seen) != 3 {
		t.Errorf("train_examples 30, val_examples 6: %d and %d examples, training classes %v", lim.Train.N, lim.Val.N, seen)
	}
	for _, p := range points(lim.Val) {
		if !slices.Contains(val, p) {
			t.Errorf("val_examples picked %s, not a validation example", p)
		}
	}
}

// TestCustomBinary builds this folder's binary, then checks that validate
// describes the data, that run trains blobs.yaml (whose trials are child
// processes of the binary) to an accuracy floor and stores the data's hash
// and classes, that config_hash follows the file's contents and not its
// path, and that a bad line is an error at its line, exit code 2.
func TestCustomBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "customdataset")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	exp := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		var o, e bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir // checkpoints and any default database stay in the temporary folder
		cmd.Env = append(os.Environ(), "EXP_DB="+filepath.Join(dir, "default.db"))
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatalf("%s %v: %v", bin, args, err)
		}
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}
	// copyTo writes blobs.yaml to folder sub of dir, its data file as name
	// with edit applied to its text.
	copyTo := func(sub, name string, edit func(string) string) string {
		t.Helper()
		cfg, err := os.ReadFile("blobs.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		yaml := filepath.Join(dir, sub, "blobs.yaml")
		cfgText := strings.Replace(string(cfg), "path: blobs.jsonl", "path: "+name, 1)
		if err := os.WriteFile(yaml, []byte(cfgText), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sub, name), []byte(edit(string(blobs()))), 0o644); err != nil {
			t.Fatal(err)
		}
		return yaml
	}
	same := func(s string) string { return s }
	yaml := copyTo("a", "blobs.jsonl", same)

	t.Run("validate", func(t *testing.T) {
		out, errOut, code := exp("validate", yaml)
		if code != 0 {
			t.Fatalf("validate exited %d: %s", code, errOut)
		}
		for _, want := range []string{
			"Data: jsonl blobs.jsonl: 240 training, 60 validation examples\n",
			"  2 features; classes (3, in the file): blue (100), green (100), red (100)\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("validate does not print %q:\n%s", want, out)
			}
		}
	})

	t.Run("run", func(t *testing.T) {
		db := filepath.Join(dir, "runs.db")
		if _, errOut, code := exp("run", yaml, "--db", db); code != 0 {
			t.Fatalf("run exited %d: %s", code, errOut)
		}
		out, errOut, code := exp("table", "--db", db, "--format", "csv")
		if code != 0 {
			t.Fatalf("table exited %d: %s", code, errOut)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("table --format csv: want a header and one run, got %v:\n%s", err, out)
		}
		col := map[string]string{}
		for i, h := range rows[0] {
			col[h] = rows[1][i]
		}
		acc, err := strconv.ParseFloat(col["best val_accuracy"], 64)
		if col["status"] != "completed" || err != nil || !(acc >= 0.9) {
			t.Errorf("run: status %q, best val_accuracy %q; want completed, at least 0.9 (%v)\n%s", col["status"], col["best val_accuracy"], err, out)
		}
		show, errOut, code := exp("show", "--db", db, "1")
		if code != 0 || !regexp.MustCompile(`(?m)^data hash: [0-9a-f]{64}$`).MatchString(show) ||
			!strings.Contains(show, `"blue"`) {
			t.Errorf("show: exit %d, no data hash or classes:\n%s%s", code, show, errOut)
		}
	})

	t.Run("config hash", func(t *testing.T) {
		hash := func(yaml string) string {
			t.Helper()
			db := filepath.Join(filepath.Dir(yaml), "hash.db")
			if _, errOut, code := exp("run", yaml, "--db", db, "--epochs", "1"); code != 0 {
				t.Fatalf("run %s exited %d: %s", yaml, code, errOut)
			}
			out, errOut, code := exp("show", "--db", db, "1")
			m := regexp.MustCompile(`config hash ([0-9a-f]{12})`).FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("show: exit %d, no config hash:\n%s%s", code, out, errOut)
			}
			return m[1]
		}
		moved := hash(copyTo("b", "moved.jsonl", same))
		orig := hash(copyTo("c", "blobs.jsonl", same))
		changed := hash(copyTo("d", "blobs.jsonl", func(s string) string { return strings.Replace(s, `"blue"`, `"green"`, 1) }))
		if moved != orig || changed == orig {
			t.Errorf("config hashes: moved file %s, original %s, changed line %s; want the first two equal, the third different", moved, orig, changed)
		}
	})

	t.Run("bad line", func(t *testing.T) {
		bad := copyTo("e", "bad.jsonl", func(s string) string {
			return strings.Replace(s, `{"features": [-1.646, -0.735], "label": "blue"}`, `{"features": [1], "label": "blue"}`, 1)
		})
		_, errOut, code := exp("validate", bad)
		want := regexp.MustCompile(`blobs\.yaml:\d+:\d+: data\.path: .*bad\.jsonl:2: 1 features; the lines before have 2`)
		if code != 2 || !want.MatchString(errOut) {
			t.Errorf("validate with a bad line: exit %d, stderr %q; want exit 2 and %s", code, errOut, want)
		}
	})
}
