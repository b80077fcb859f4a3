package sweep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
)

// TestLayerFilesChanged: a trial whose ONNX file changed after it was
// planned (another config hash) is refused, naming the file; the same file
// is not, nor a config without layer files.
func TestLayerFilesChanged(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../onnx/testdata/cnn_bn_op13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "backbone.onnx")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	const yaml = `
data: {dataset: mnist, color_mode: rgb}
model: {layers: [{type: onnx, path: backbone.onnx, output: /Flatten_output_0}, {type: dense, units: 10, activation: softmax}]}
`
	parse := func(src string) *config.Config {
		t.Helper()
		cfg, err := config.Parse(filepath.Join(dir, "c.yaml"), []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	planned := parse(yaml).Hash()
	if msg := layerFilesChanged(parse(yaml), planned); msg != "" {
		t.Errorf("the same file: %s", msg)
	}
	src[len(src)-100] ^= 1 // a weight's bits
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if msg := layerFilesChanged(parse(yaml), planned); !strings.Contains(msg, file) || !strings.Contains(msg, "changed since the trial was planned") {
		t.Errorf("a changed file: %q", msg)
	}
	plain := "model: {layers: [{type: flatten}, {type: dense, units: 10, activation: softmax}]}\n"
	if msg := layerFilesChanged(parse(plain), "another hash"); msg != "" {
		t.Errorf("no layer files: %s", msg)
	}
}
