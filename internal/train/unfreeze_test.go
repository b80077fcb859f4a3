package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/npy"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
	"github.com/exp-runner/exp/registry"
)

// writeQuadrants writes an npz archive of n 16×16 RGB images (uint8), each
// noise with a bright 8×8 square in one quadrant, its class (0-3).
func writeQuadrants(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
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
	if err := npy.WriteNpz(path, x, y); err != nil {
		t.Fatal(err)
	}
}

// unfreezeConfig is a frozen ONNX backbone (the onnx package's small CNN
// with BatchNorm, cut at its flattened features) under a softmax head,
// unfrozen at epoch 3 of 5.
const unfreezeConfig = `
data: {dataset: npz, path: %s, val_path: %s}
model:
  layers:
    - {type: onnx, path: %s, output: /Flatten_output_0, unfreeze_at_epoch: 3}
    - {type: dense, units: 4, activation: softmax}
train: {optimizer: adam, learning_rate: 0.003, batch_size: 16, epochs: 5, seed: 3}
`

// onnxValues returns the values of the variables under the ONNX layer's
// scope, and how many optimizer slots exist for them.
func onnxValues(t *testing.T, ctx *mlctx.Context) (map[string][]float32, int) {
	t.Helper()
	vals, slots := map[string][]float32{}, 0
	for v := range ctx.IterVariables() {
		switch {
		case strings.HasPrefix(v.Scope(), "/model/onnx/ONNX"):
			vals[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](v.MustValue())
		case strings.HasPrefix(v.Scope(), "/optimizer/model/onnx/ONNX"):
			slots++
		}
	}
	return vals, slots
}

// TestUnfreezeResume trains a frozen ONNX backbone that unfreezes at epoch
// 3: its weights do not move nor have optimizer state before, and move
// after (its BatchNorm statistics never); checkpoints hold the imported
// weights only once they train. Runs interrupted after epoch 2 (before the
// unfreeze) and after epoch 3, then resumed from their checkpoints in a
// config parsed anew, give bit-identical metrics to an uninterrupted run.
func TestUnfreezeResume(t *testing.T) {
	dir := t.TempDir()
	trainPath, valPath := filepath.Join(dir, "train.npz"), filepath.Join(dir, "val.npz")
	writeQuadrants(t, trainPath, 96, 1)
	writeQuadrants(t, valPath, 64, 2)
	backbone, err := filepath.Abs("../onnx/testdata/cnn_bn_preserve_op13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(unfreezeConfig, trainPath, valPath, backbone)
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	load := func() *trainData {
		cfg, err := config.Parse(filepath.Join(dir, "unfreeze.yaml"), []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		set, err := cfg.Data.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return &trainData{cfg: cfg, set: set}
	}

	// Uninterrupted, watching the ONNX weights after each epoch.
	var initial map[string][]float32
	d := load()
	ckpts := filepath.Join(dir, "clean")
	clean := d.run(t, be, train.Options{Save: func(epoch int, ctx *mlctx.Context) error {
		vals, slots := onnxValues(t, ctx)
		if epoch == 1 {
			initial = vals
		}
		for k, v := range vals {
			moved := !slices.Equal(v, initial[k])
			stat := strings.Contains(k, "running_")
			if want := epoch >= 3 && !stat; moved != want {
				t.Errorf("epoch %d: %s moved: %v, want %v", epoch, k, moved, want)
			}
		}
		// Adam's two slots for each of the 8 weights that train (12
		// initializers less 4 BatchNorm statistics), from the unfreeze on.
		if want := map[bool]int{false: 0, true: 16}[epoch >= 3]; slots != want {
			t.Errorf("epoch %d: %d optimizer slots for the ONNX weights, want %d", epoch, slots, want)
		}
		return checkpoint.Save(ckpts, epoch, ctx)
	}})
	if len(clean) != 5 || len(initial) != 12 {
		t.Fatalf("%d epochs, %d ONNX variables", len(clean), len(initial))
	}
	if acc := *clean[4].ValAccuracy; acc < 0.9 {
		t.Errorf("val_accuracy %.3f after 5 epochs, want ≥ 0.9", acc)
	}
	for epoch, want := range map[int]int{2: 0, 3: 8} {
		check := mlctx.New()
		if err := checkpoint.Load(ckpts, epoch, check); err != nil {
			t.Fatal(err)
		}
		if vals, _ := onnxValues(t, check); len(vals) != want {
			t.Errorf("the checkpoint of epoch %d holds %d ONNX variables, want %d (the trained weights only)", epoch, len(vals), want)
		}
	}

	for _, stop := range []int{2, 3} {
		t.Run(fmt.Sprintf("interrupted after epoch %d", stop), func(t *testing.T) {
			ckpts := filepath.Join(dir, fmt.Sprint("stop", stop))
			save := func(epoch int, ctx *mlctx.Context) error { return checkpoint.Save(ckpts, epoch, ctx) }
			d := load()
			first := d.run(t, be, train.Options{Save: save, OnEpoch: func(ep train.Epoch) (train.Stop, error) {
				if ep.Record.Epoch == stop {
					return train.Stop{Status: record.StatusInterrupted}, nil
				}
				return train.Stop{}, nil
			}})
			if len(first) != stop {
				t.Fatalf("the first run stopped after %d epochs, want %d", len(first), stop)
			}
			d = load() // as a new process: the config parsed and its files read again
			rest := d.run(t, be, train.Options{Save: save, History: first,
				Restore: func(ctx *mlctx.Context) error { return checkpoint.Load(ckpts, stop, ctx) }})
			got := append(first, rest...)
			if len(got) != len(clean) {
				t.Fatalf("%d + %d epochs", len(first), len(rest))
			}
			for i := range clean {
				a, b := clean[i], got[i]
				if *a.Loss != *b.Loss || *a.Accuracy != *b.Accuracy || *a.ValLoss != *b.ValLoss || *a.ValAccuracy != *b.ValAccuracy {
					t.Errorf("epoch %d: resumed loss %v acc %v val_loss %v val_acc %v; uninterrupted %v %v %v %v", i+1,
						*b.Loss, *b.Accuracy, *b.ValLoss, *b.ValAccuracy, *a.Loss, *a.Accuracy, *a.ValLoss, *a.ValAccuracy)
				}
			}
		})
	}
}

// trainData is a parsed config with its data.
type trainData struct {
	cfg *config.Config
	set *registry.Data
}

// run trains d with opts on be and returns the epochs' records.
func (d *trainData) run(t *testing.T, be backends.Backend, opts train.Options) []record.Epoch {
	t.Helper()
	opts.Backend = be
	res := train.Run(context.Background(), d.cfg, d.set, opts)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var out []record.Epoch
	for _, ep := range res.Epochs {
		out = append(out, ep.Record)
	}
	return out
}
