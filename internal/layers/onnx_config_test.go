package layers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
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
