package model

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
)

// TestInputTransform predicts through a model whose only layer is a
// flatten with an mse loss on mnist with color_mode rgb and a per-channel
// normalize: the output is each pixel repeated over three channels, each
// (v/255 - mean) / std, computed here by hand.
func TestInputTransform(t *testing.T) {
	src := `
data: {dataset: mnist, color_mode: rgb, normalize: {mean: [0.1, 0.5, 0.9], std: [0.5, 0.25, 2]}}
model: {layers: [{type: flatten}]}
`
	cfg, err := config.Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	exec, err := mlctx.NewExec(be, mlctx.New(), m.PredictStep)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*28*28)
	for i := range x {
		x[i] = float32(i%256) / 255
	}
	out := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 2, 28, 28, 1))[0]
	got := tensors.MustCopyFlatData[float32](out)
	if len(got) != 3*len(x) {
		t.Fatalf("%d outputs for %d grey pixels, want three channels each", len(got), len(x))
	}
	mean, std := []float64{0.1, 0.5, 0.9}, []float64{0.5, 0.25, 2}
	for i, v := range x {
		for c := range 3 {
			want := (float64(v) - mean[c]) / std[c]
			if d := math.Abs(float64(got[3*i+c]) - want); d > 1e-6 {
				t.Fatalf("pixel %d channel %d: %g, want %g", i, c, got[3*i+c], want)
			}
		}
	}
}
