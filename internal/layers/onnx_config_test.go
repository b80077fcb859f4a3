package layers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/internal/plan"
)

const onnxConfig = `
data: {dataset: mnist, color_mode: rgb}
model:
  layers:
    - {type: onnx, path: backbone.onnx, output: /Flatten_output_0}
    - {type: dense, units: 10, activation: softmax}
`

// TestONNXConfigHash: config_hash covers the ONNX file's contents, not its
// path: the same file in another folder (or under another name) hashes
// the same, a changed file differently; the resolved config still names
// the path.
func TestONNXConfigHash(t *testing.T) {
	src, err := os.ReadFile("../onnx/testdata/cnn_bn_op13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	hash := func(onnx []byte, name string) string {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), onnx, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Parse(filepath.Join(dir, "c.yaml"), []byte(strings.Replace(onnxConfig, "backbone.onnx", name, 1)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cfg.YAML(), "path: "+name) {
			t.Errorf("the resolved config does not name %s:\n%s", name, cfg.YAML())
		}
		return cfg.Hash()
	}
	a, b := hash(src, "backbone.onnx"), hash(src, "other-name.onnx")
	changed := append([]byte(nil), src...)
	changed[len(changed)-100] ^= 1 // a weight's bits
	c := hash(changed, "backbone.onnx")
	if a != b || a == c {
		t.Errorf("hashes: %s, moved %s, changed %s", a, b, c)
	}
}

// TestONNXSweep sweeps the onnx layer's unfreeze_at_epoch and the head's
// dropout rate like any keys: four trials, each with its values, its own
// config hash, and its model built.
func TestONNXSweep(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../onnx/testdata/cnn_bn_op13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "backbone.onnx"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(`
data: {dataset: mnist, color_mode: rgb}
model:
  layers:
    - {type: onnx, path: backbone.onnx, output: /Flatten_output_0}
    - {type: dropout, rate: 0.2}
    - {type: dense, units: 10, activation: softmax}
sweep:
  axes:
    model.layers[0].unfreeze_at_epoch: [0, 3]
    model.layers[1].rate: [0.1, 0.5]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(file, nil, plan.Options{NewBackend: model.NewBackend})
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]bool{}
	var got []string
	for _, tr := range p.Trials {
		hashes[tr.Config.Hash()] = true
		got = append(got, tr.FormatParams())
	}
	want := "model.layers[0].unfreeze_at_epoch=0 model.layers[1].rate=0.1|model.layers[0].unfreeze_at_epoch=0 model.layers[1].rate=0.5|" +
		"model.layers[0].unfreeze_at_epoch=3 model.layers[1].rate=0.1|model.layers[0].unfreeze_at_epoch=3 model.layers[1].rate=0.5"
	if strings.Join(got, "|") != want || len(hashes) != 4 || len(p.Architectures) != 4 {
		t.Errorf("trials %q, %d hashes, %d models", got, len(hashes), len(p.Architectures))
	}
}
