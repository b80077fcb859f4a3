package train_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/train"
	"github.com/exp-runner/exp/registry"
)

// torchReference is what internal/onnx/testdata/transfer_mnist.py wrote
// with --backbone configs/backbones/mnist04.onnx --data DIR (DIR written
// by exp data export mnist --format npz --classes 5-9 --per-class 20):
// PyTorch's test accuracies per seed on the same backbone and data.
type torchReference struct {
	Accuracy map[string][]float64 `json:"accuracy"`
}

// TestTransferMNIST trains configs/transfer-mnist.yaml's trials (a frozen
// backbone pretrained on the digits 0-4 with a softmax head, the same
// unfrozen at epoch 8, the same network from scratch; seeds 0-2; 15
// epochs on 100 images of the digits 5-9) and scores each on the 4,861
// test images of 5-9 after its last epoch: the frozen backbone beats the
// network trained from scratch, and comes within 4 points of PyTorch's
// frozen backbone with a linear head on the same data.
func TestTransferMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 9 small models (-short)")
	}
	data := filepath.Join(t.TempDir(), "digits59")
	if _, err := datasets.ExportMNISTNpz(context.Background(), "", data,
		datasets.NpzExport{Classes: []int{5, 6, 7, 8, 9}, PerClass: 20}); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load("../../configs/transfer-mnist.yaml", config.Sets([]string{
		"data.path=" + filepath.Join(data, "train.npz"), "data.val_path=" + filepath.Join(data, "test.npz")}), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	acc := map[string][]float64{}
	for _, tr := range p.Trials {
		acc[tr.Variant] = append(acc[tr.Variant], finalAccuracy(t, be, tr.Config))
	}
	b, err := os.ReadFile("../onnx/testdata/transfer_mnist_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref torchReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	frozen, finetune, scratch := mean(acc["frozen"]), mean(acc["finetune"]), mean(acc["scratch"])
	torchFrozen := mean(ref.Accuracy["frozen, 1568 conv features + linear"])
	torchScratch := mean(ref.Accuracy["from scratch, conv features + linear (exp's scratch)"])
	t.Logf("test accuracy, mean of seeds 0-2 (exp) and 0-4 (PyTorch): frozen %.4f %v, unfrozen at 8 %.4f %v, scratch %.4f %v; PyTorch frozen %.4f, scratch %.4f",
		frozen, acc["frozen"], finetune, acc["finetune"], scratch, acc["scratch"], torchFrozen, torchScratch)
	t.Logf("margins: frozen over scratch %+.1f points (PyTorch %+.1f); frozen against PyTorch's %+.1f points",
		100*(frozen-scratch), 100*(torchFrozen-torchScratch), 100*(frozen-torchFrozen))
	if len(acc["frozen"]) != 3 || len(acc["scratch"]) != 3 || torchFrozen == 0 {
		t.Fatalf("trials %v, reference %v", acc, ref.Accuracy)
	}
	if !(frozen > scratch) {
		t.Errorf("the frozen backbone (%.4f) does not beat the same network from scratch (%.4f)", frozen, scratch)
	}
	if d := frozen - torchFrozen; d < -0.04 || d > 0.04 {
		t.Errorf("exp's frozen backbone %.4f is %+.1f points from PyTorch's %.4f: more than 4", frozen, 100*d, torchFrozen)
	}
}

// finalAccuracy trains cfg without evaluating each epoch and returns the
// accuracy on its validation examples after the last epoch.
func finalAccuracy(t *testing.T, be backends.Backend, cfg *config.Config) float64 {
	t.Helper()
	set, err := cfg.Data.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	test := set.Val
	set.Val = nil // scored once, at the end
	var accuracy float64
	res := train.Run(context.Background(), cfg, set, train.Options{Backend: be, Save: func(epoch int, ctx *mlctx.Context) error {
		if epoch == cfg.Train.Epochs {
			accuracy = score(t, be, cfg, ctx, test)
		}
		return nil
	}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return accuracy
}

// score returns the accuracy of the model in ctx on the examples ex.
func score(t *testing.T, be backends.Backend, cfg *config.Config, ctx *mlctx.Context, ex *registry.Examples) float64 {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eval, err := mlctx.NewExec(be, ctx.Reuse(), m.EvalStep)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, ex.N)
	for i := range idx {
		idx[i] = i
	}
	x, y := tensors.FromShape(m.Inputs(ex.N)), tensors.FromShape(m.Targets(ex.N))
	tensors.MustMutableFlatData(x, func(xs []float32) {
		tensors.MustMutableFlatData(y, func(ys []int32) { ex.Gather(idx, xs, ys, nil) })
	})
	out, err := eval.Exec(x, y)
	if err != nil {
		t.Fatal(err)
	}
	return float64(tensors.ToScalar[float32](out[1])) / float64(ex.N)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
