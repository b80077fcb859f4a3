package model

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// titleAndFeatures is a dataset of two inputs, as a CSV file with a text
// column gives: "title", 6 token ids of a vocabulary of 20, and "features",
// 2 floats; 2 classes. Its examples are made by twoInputBatch.
type titleAndFeatures struct{}

func init() {
	registry.Datasets.Register("model_test_title_features", func() registry.Dataset { return titleAndFeatures{} })
}

func (titleAndFeatures) Validate(registry.Reporter, registry.DataEnv) {}
func (titleAndFeatures) Info() registry.DataInfo {
	return registry.DataInfo{NumClasses: 2, Inputs: []registry.Input{
		{Name: "title", Shape: []int{6}, DType: registry.Int32, Vocabulary: 20},
		{Name: "features", Shape: []int{2}, DType: registry.Float32},
	}}
}
func (titleAndFeatures) Load(context.Context, registry.DataEnv) (*registry.Data, error) {
	return nil, errors.New("not loaded here")
}

const twoInputSrc = `
data: {dataset: model_test_title_features}
model:
  layers:
    - {name: emb, type: embedding, output_dim: 8, mask_zero: true, inputs: [title]}
    - {name: pool, type: globalmaxpool1d}
    - {name: both, type: concat, inputs: [pool, features]}
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 2, activation: softmax}
train: {learning_rate: 0.01}
`

// twoInputBatch returns n examples: titles of 2 to 6 tokens in [2, 20),
// padded, and two features in [-1, 1); the class is 1 when the title holds
// token 2 or 3 XOR the first feature is positive, so that a model must use
// both inputs.
func twoInputBatch(r *rand.Rand, n int) (title, feats, y *tensors.Tensor) {
	ids, f, labels := make([]int32, n*6), make([]float32, n*2), make([]int32, n)
	for i := range n {
		has := false
		for j := range 2 + r.IntN(5) {
			ids[i*6+j] = int32(2 + r.IntN(18))
			has = has || ids[i*6+j] < 4
		}
		f[2*i], f[2*i+1] = 2*r.Float32()-1, 2*r.Float32()-1
		if has != (f[2*i] > 0) {
			labels[i] = 1
		}
	}
	return tensors.FromFlatDataAndDimensions(ids, n, 6), tensors.FromFlatDataAndDimensions(f, n, 2), tensors.FromFlatDataAndDimensions(labels, n)
}

// TestTwoInputs builds a model of an int32 and a float32 input: the
// embedding takes its input_dim from the vocabulary, the summary lists both
// inputs, the memory estimate counts both, and training on both reaches
// an accuracy floor on fresh examples (chance: 1/2).
func TestTwoInputs(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseSrc(t, twoInputSrc)
	sum, errs := Inspect(cfg, be)
	if errs != nil {
		t.Fatal(errs)
	}
	if len(sum.Inputs) != 2 || sum.Inputs[0].Name != "title" || sum.Inputs[0].DType != registry.Int32 || sum.Rows[2].Inputs[1] != "features" {
		t.Fatalf("summary inputs %+v, rows %+v", sum.Inputs, sum.Rows)
	}
	if sum.Rows[0].Params != 20*8 {
		t.Errorf("embedding has %d parameters, want 20×8 from the vocabulary", sum.Rows[0].Params)
	}
	// inputs 6 + 2; emb 48, pool 8, both 10, dense 16, dense_1 2.
	if got, want := EstimateMemory(cfg, sum, nil).Activations, int64(2*(6+2+48+8+10+16+2)*32*4); got != want {
		t.Errorf("activations %d bytes, want %d", got, want)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New()
	ctx.SetRNGStateFromSeed(3)
	train, err := mlctx.NewExec(be, ctx, m.TrainStepInputs)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 400 {
		title, feats, y := twoInputBatch(r, 32)
		if _, err := train.Exec(title, feats, y); err != nil {
			t.Fatal(err)
		}
	}
	eval, err := mlctx.NewExec(be, ctx.Reuse(), m.EvalStepInputs)
	if err != nil {
		t.Fatal(err)
	}
	title, feats, y := twoInputBatch(r, 500)
	out, err := eval.Exec(title, feats, y)
	if err != nil {
		t.Fatal(err)
	}
	acc := tensors.ToScalar[float32](out[1]) / 500
	t.Logf("accuracy %.3f", acc)
	if acc < 0.9 {
		t.Errorf("accuracy %.3f on fresh examples, want ≥ 0.9", acc)
	}
}
