package predict_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer/infertest"
	"github.com/exp-runner/exp/internal/npy"
	"github.com/exp-runner/exp/predict"
)

// onnxConfig is a pretrained backbone (the onnx package's small CNN with
// BatchNorm, 16×16 RGB inputs) under a softmax head, unfrozen at epoch 2:
// its checkpoints hold the trained weights, not the BatchNorm statistics,
// which are read from the file.
const onnxConfig = `
data: {dataset: npz, path: train.npz, val_path: val.npz}
model:
  layers:
    - {type: onnx, path: backbones/cnn.onnx, output: /Flatten_output_0, unfreeze_at_epoch: 2}
    - {type: dense, units: 4, activation: softmax}
train: {optimizer: adam, learning_rate: 0.003, batch_size: 16, epochs: 3}
`

// quadrantImages returns n 16×16 RGB images (bytes), each noise with a
// bright 8×8 square in one quadrant, its class.
func quadrantImages(n int, seed uint64) (*npy.Array, *npy.Array) {
	r := rand.New(rand.NewPCG(seed, 1))
	x := &npy.Array{Name: "x", Shape: []int{n, 16, 16, 3}, U8: make([]uint8, n*16*16*3)}
	y := &npy.Array{Name: "y", Shape: []int{n}, I64: make([]int64, n)}
	for e := range n {
		q := r.IntN(4)
		y.I64[e] = int64(q)
		for i := range 16 {
			for j := range 16 {
				for c := range 3 {
					v := 60 + r.IntN(60)
					if i/8 == q/2 && j/8 == q%2 {
						v += 100
					}
					x.U8[((e*16+i)*16+j)*3+c] = uint8(v)
				}
			}
		}
	}
	return x, y
}

// TestONNXFolder exports a run whose model has an ONNX backbone, moves the
// folder elsewhere and deletes the config's folder (the ONNX file with
// it): the folder carries the file, and predicting the validation images
// through it gives the best recorded val_accuracy exactly.
func TestONNXFolder(t *testing.T) {
	src := t.TempDir()
	b, err := os.ReadFile("../internal/onnx/testdata/cnn_bn_preserve_op13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(src, "backbones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "backbones", "cnn.onnx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	tx, ty := quadrantImages(96, 1)
	vx, vy := quadrantImages(64, 2)
	if err := npy.WriteNpz(filepath.Join(src, "train.npz"), tx, ty); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteNpz(filepath.Join(src, "val.npz"), vx, vy); err != nil {
		t.Fatal(err)
	}
	cfg := infertest.WriteCSV(t, src, "onnx.yaml", onnxConfig)
	exported := filepath.Join(t.TempDir(), "model")
	epochs := infertest.Export(t, cfg, exported)
	// The best epoch came after the unfreeze: its checkpoint holds the
	// trained weights (which prediction must take), not the statistics.
	vars, err := os.ReadFile(filepath.Join(exported, "weights", "variables.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(vars), "/model/onnx/ONNX/c1.weight") || strings.Contains(string(vars), "running_mean") {
		t.Errorf("the exported weights %s: want the trained ONNX weights without the BatchNorm statistics", vars)
	}
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(exported, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	m, err := predict.Load(moved)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(vx.U8))
	for i, v := range vx.U8 {
		x[i] = float32(v) / 255
	}
	preds, err := m.Predict(context.Background(), predict.Tensors(x))
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, p := range preds {
		if p.Label == m.Classes()[vy.I64[i]] {
			correct++
		}
	}
	best := 0.0
	for _, e := range epochs {
		best = max(best, *e.ValAccuracy)
	}
	if got := float64(correct) / float64(len(preds)); got != best || best < 0.5 {
		t.Errorf("accuracy of the predictions %v, want the best recorded val_accuracy %v (above chance)", got, best)
	}
}
