package config_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu" // registers "cpu", the default backend
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

const base = `
model:
  layers:
    - {type: conv2d, filters: 4, kernel_size: 3}
    - {type: flatten}
    - {type: dense, units: 10, activation: softmax}
train: {learning_rate: 1e-4, optimizer: adam}
`

func mustParse(t *testing.T, file, src string, sets ...string) *config.Config {
	t.Helper()
	c, err := config.Parse(file, []byte(src), config.Sets(sets))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, "configs/mine.yaml", base)
	if c.Name != "mine" || c.Model.Name != "mine" {
		t.Errorf("names %q, %q; want the file's stem", c.Name, c.Model.Name)
	}
	if c.Backend != "cpu" || c.Data.Dataset != "mnist" || c.Train.BatchSize != 32 || c.Train.Loss != "sparse_categorical_crossentropy" {
		t.Errorf("defaults: %+v", c)
	}
	lin := mustParse(t, "l.yaml", "data: {dataset: linear}\nmodel: {layers: [{type: dense, units: 1}]}\n")
	if lin.Train.Loss != "mse" {
		t.Errorf("regression loss default = %q, want mse", lin.Train.Loss)
	}
}

func TestHash(t *testing.T) {
	h := mustParse(t, "a.yaml", base).Hash()
	same := []struct {
		name, src string
		sets      []string
	}{
		{"spelling of a number", strings.Replace(base, "1e-4", "0.0001", 1), nil},
		{"kernel as a pair", strings.Replace(base, "kernel_size: 3", "kernel_size: [3, 3]", 1), nil},
		{"defaults written out", strings.Replace(base, "optimizer: adam", "optimizer: {name: adam, beta_1: 0.9, epsilon: 1e-7}", 1), nil},
		{"name", "name: other\n" + base, nil},
		{"override to the same value", base, []string{"train.learning_rate=0.0001"}},
	}
	for _, tt := range same {
		if got := mustParse(t, "b.yaml", tt.src, tt.sets...).Hash(); got != h {
			t.Errorf("%s: hash differs", tt.name)
		}
	}
	differ := []string{"train.learning_rate=0.001", "train.seed=1", "model.layers[0].filters=5", "backend=go:ops_sequential"}
	for _, s := range differ {
		if got := mustParse(t, "a.yaml", base, s).Hash(); got == h {
			t.Errorf("--set %s: hash unchanged", s)
		}
	}
}

// TestResolvedRoundTrip checks that the stored, resolved YAML parses back to
// the same config.
func TestResolvedRoundTrip(t *testing.T) {
	for _, src := range []string{base, "data: {dataset: linear, w: 3}\nmodel: {layers: [{type: dense, units: 1}]}\ntrain: {optimizer: {name: sgd, momentum: 0.5}}\n"} {
		c := mustParse(t, "x.yaml", src)
		y := c.YAML()
		c2 := mustParse(t, "x.yaml", y)
		if c2.YAML() != y || c2.Hash() != c.Hash() {
			t.Errorf("resolved config does not round-trip:\n%s\n---\n%s", y, c2.YAML())
		}
		for _, key := range []string{"eval_batch_size: 1000", "beta_1", "use_bias: true"} {
			if strings.Contains(src, "conv2d") && !strings.Contains(y, key) {
				t.Errorf("resolved YAML lacks %q:\n%s", key, y)
			}
		}
	}
}

func TestOverrides(t *testing.T) {
	c := mustParse(t, "a.yaml", base, "train.learning_rate=0.5", "model.layers[2].units=12", "data.train_examples=100", "train.optimizer=sgd")
	if c.Train.LearningRate != 0.5 || c.Data.TrainExamples != 100 || c.Train.Optimizer.Name != "sgd" {
		t.Errorf("overrides not applied: %+v", c.Train)
	}
	_, err := config.Parse("a.yaml", []byte(base), config.Sets([]string{"train.learning_rate=0", "bogus"}))
	want := "--set #1: train.learning_rate: must be > 0, got 0\n--set #2: expected key.path=value, got \"bogus\""
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

// FuzzParse checks that no input panics the config parser.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base), "train.epochs=3")
	f.Add([]byte("model: {layers: [{type: dense, units: 1e3}]}\n"), "model.layers[0].units=x")
	f.Add([]byte("a: &x {b: *x}\n"), "a.b=1")
	f.Add([]byte("- 1\n- 2"), "")
	f.Add([]byte("data: {dataset: linear, n: 1}\ntrain: {optimizer: {name: rmsprop, rho: 2}}"), "data=1")
	f.Fuzz(func(t *testing.T, src []byte, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		c, err := config.Parse("fuzz.yaml", src, config.Sets(sets))
		if err == nil && c != nil {
			_ = c.Hash()
			_ = c.YAML()
		}
	})
}

// TestBackendNames checks that a backend is named by what GoMLX's registry
// holds (here cpu and go, registered by this test's imports), with options
// after a colon left to the backend.
func TestBackendNames(t *testing.T) {
	for _, spec := range []string{"cpu", "cpu:threads=2", "go", "go:ops_sequential"} {
		mustParse(t, "a.yaml", base, "backend="+spec)
	}
	for _, tt := range []struct{ spec, want string }{
		{"tpu", `backend: unknown backend "tpu" (known: cpu, go)`},
		{"cpux:threads=2", `backend: unknown backend "cpux" (known: cpu, go); did you mean "cpu"?`},
	} {
		_, err := config.Parse("a.yaml", []byte(base), config.Sets([]string{"backend=" + tt.spec}))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("backend %q: error %v, want it to contain %q", tt.spec, err, tt.want)
		}
	}
}

// TestDataHash: a config of a user's files hashes their contents, not their
// paths: the same rows under another name (and folder) hash alike, changed
// rows differently; relative paths resolve against the config's folder,
// and a regression target defaults the loss to mse.
func TestDataHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows := "a,y\n1,0.5\n2,1.5\n3,2.5\n4,3.5\n"
	write("one/rows.csv", rows)
	write("two/data/moved.csv", rows)
	write("three/rows.csv", strings.Replace(rows, "0.5", "0.7", 1))
	src := func(path string) string {
		return "data: {dataset: csv, path: " + path + ", target: y}\nmodel: {layers: [{type: dense, units: 1}]}\n"
	}
	write("one/c.yaml", src("rows.csv"))
	write("two/c.yaml", src("data/moved.csv"))
	write("three/c.yaml", src("rows.csv"))
	var hashes []string
	for _, d := range []string{"one", "two", "three"} {
		c, err := config.Load(filepath.Join(dir, d, "c.yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Train.Loss != "mse" || c.Data.DataHash() == "" {
			t.Errorf("%s: loss %q, data hash %q", d, c.Train.Loss, c.Data.DataHash())
		}
		hashes = append(hashes, c.Hash())
	}
	if hashes[0] != hashes[1] || hashes[0] == hashes[2] {
		t.Errorf("hashes %v: want the first two equal (same rows moved), the third different", hashes)
	}
}

// TestMaxImagePixelsUnhashed: data.max_image_pixels changes what is
// refused, never a result: setting it leaves config_hash as it was.
func TestMaxImagePixelsUnhashed(t *testing.T) {
	dir := t.TempDir()
	for i, class := range []string{"a", "a", "b", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, "img", class), 0o755); err != nil {
			t.Fatal(err)
		}
		img := image.NewGray(image.Rect(0, 0, 4, 4))
		img.Pix[i] = 200
		var b bytes.Buffer
		png.Encode(&b, img) // bytes.Buffer writes never fail
		if err := os.WriteFile(filepath.Join(dir, "img", class, fmt.Sprintf("%d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := "data: {dataset: images, path: img%s}\nmodel: {layers: [{type: flatten}, {type: dense, units: 2}]}\n"
	var hashes []string
	for _, extra := range []string{"", ", max_image_pixels: 100000000"} {
		file := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(file, []byte(fmt.Sprintf(src, extra)), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, c.Hash())
	}
	if hashes[0] != hashes[1] {
		t.Errorf("hashes %v: setting data.max_image_pixels moved config_hash", hashes)
	}
	// A limit below the images' 16 pixels refuses them, naming the file.
	file := filepath.Join(dir, "small.yaml")
	os.WriteFile(file, []byte(fmt.Sprintf(src, ", max_image_pixels: 15")), 0o644)
	_, err := config.Load(file, nil)
	if err == nil || !strings.Contains(err.Error(), "0.png: the image declares 4×4 pixels (16), more than the limit of 15") {
		t.Errorf("limit 15: %v", err)
	}
}
