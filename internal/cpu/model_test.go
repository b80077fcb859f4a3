package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// softmaxCrossEntropy of logits [batch, classes] with int32 labels [batch].
func softmaxCrossEntropy(logits, labels *Node) *Node {
	classes := logits.Shape().Dimensions[1]
	logProbs := Sub(logits, ReduceAndKeep(logits, ReduceMax, -1))
	logProbs = Sub(logProbs, Log(ReduceAndKeep(Exp(logProbs), ReduceSum, -1)))
	oneHot := OneHot(labels, classes, logits.DType())
	return Neg(ReduceAllMean(ReduceSum(Mul(oneHot, logProbs), -1)))
}

// mlpLoss is the reference MLP (784→128 relu→10) loss with explicit weights.
func mlpLoss(x, labels, w1, b1, w2, b2 *Node) *Node {
	h := activations.Relu(Add(Dot(x, w1), InsertAxes(b1, 0)))
	logits := Add(Dot(h, w2), InsertAxes(b2, 0))
	return softmaxCrossEntropy(logits, labels)
}

func mlpInputs(batch int, seed uint64) []*tensors.Tensor {
	rng := newRng(seed)
	return []*tensors.Tensor{
		randomTensor(rng, dtypes.Float32, 0, 1, batch, 784),
		randomTensor(rng, dtypes.Int32, 0, 10, batch),
		randomTensor(rng, dtypes.Float32, -0.08, 0.08, 784, 128),
		randomTensor(rng, dtypes.Float32, -0.1, 0.1, 128),
		randomTensor(rng, dtypes.Float32, -0.2, 0.2, 128, 10),
		randomTensor(rng, dtypes.Float32, -0.1, 0.1, 10),
	}
}

func TestMLPGradients(t *testing.T) {
	inputs := mlpInputs(32, 20)
	compareBackends(t, func(ins []*Node) []*Node {
		loss := mlpLoss(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5])
		return append([]*Node{loss}, Gradient(loss, ins[2], ins[3], ins[4], ins[5])...)
	}, inputs, 1e-4)
}

// convNetLoss is a small CNN: conv 3x3 → BatchNorm-like normalization → relu → maxpool → conv stride 2 → relu →
// dense → softmax cross-entropy.
func convNetLoss(x, labels, k1, k2, w, gamma *Node) *Node {
	y := Convolve(x, k1).Strides(1).Dilations(1).PadSame().Done()
	mean := ReduceAndKeep(y, ReduceMean, 0, 1, 2)
	centered := Sub(y, mean)
	variance := ReduceAndKeep(Mul(centered, centered), ReduceMean, 0, 1, 2)
	y = Mul(Div(centered, Sqrt(AddScalar(variance, 1e-3))), Reshape(gamma, 1, 1, 1, -1))
	y = activations.Relu(y)
	y = MaxPool(y).Window(2).Done()
	y = activations.Relu(Convolve(y, k2).Strides(2).Dilations(1).PadSame().Done())
	y = Reshape(y, y.Shape().Dimensions[0], -1)
	logits := Dot(y, w)
	return softmaxCrossEntropy(logits, labels)
}

func TestConvNetGradients(t *testing.T) {
	rng := newRng(21)
	inputs := []*tensors.Tensor{
		randomTensor(rng, dtypes.Float32, 0, 1, 8, 12, 12, 1),
		randomTensor(rng, dtypes.Int32, 0, 10, 8),
		randomTensor(rng, dtypes.Float32, -0.5, 0.5, 3, 3, 1, 8),
		randomTensor(rng, dtypes.Float32, -0.2, 0.2, 3, 3, 8, 16),
		randomTensor(rng, dtypes.Float32, -0.1, 0.1, 3*3*16, 10),
		randomTensor(rng, dtypes.Float32, 0.5, 1.5, 8),
	}
	fn := func(ins []*Node) []*Node {
		loss := convNetLoss(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5])
		return append([]*Node{loss}, Gradient(loss, ins[2], ins[3], ins[4], ins[5])...)
	}
	// simplego has neither Reverse (convolution gradient) nor SelectAndScatterMax (max-pool gradient): the
	// reference is the cpu backend running the convolutions through simplego.
	ref, _ := run(t, cpuBackendWith(t, "conv=fallback"), fn, inputs)
	for _, config := range gemmConfigs() {
		got, _ := run(t, cpuBackendWith(t, config), fn, inputs)
		for i := range ref {
			if err := compareFlat(ref[i], got[i], 1e-4); err != nil {
				t.Fatalf("config %q, output #%d: %v", config, i, err)
			}
		}
	}
}

// newMLPTrainer returns a trainer of the Keras-like MLP (with dropout, Adam) and a batch of 32 random examples.
func newMLPTrainer(t testing.TB, backend backends.Backend) (trainer *train.Trainer, x, y *tensors.Tensor) {
	ctx := mlctx.New()
	if err := ctx.SetRNGStateFromSeed(42); err != nil {
		t.Fatal(err)
	}
	modelFn := func(ctx *mlctx.Context, spec any, inputs []*Node) []*Node {
		x := inputs[0]
		h := activations.Relu(layers.DenseWithBias(ctx.In("hidden"), x, 128))
		h = layers.DropoutStatic(ctx, h, 0.2)
		return []*Node{layers.DenseWithBias(ctx.In("output"), h, 10)}
	}
	trainer = train.NewTrainer(backend, ctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(1e-3).Done(), nil, nil)
	rng := newRng(22)
	x = randomTensor(rng, dtypes.Float32, 0, 1, 32, 784)
	y = randomTensor(rng, dtypes.Int32, 0, 10, 32, 1)
	return trainer, x, y
}

// trainMLP trains the Keras-like MLP for a few steps and returns the losses and the final weights.
func trainMLP(t testing.TB, backend backends.Backend, steps int) (stepLosses []float32, weights [][]float32) {
	trainer, x, y := newMLPTrainer(t, backend)
	for range steps {
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
		if err != nil {
			t.Fatal(err)
		}
		stepLosses = append(stepLosses, tensors.ToScalar[float32](metrics[0]))
	}
	for v := range trainer.Context().IterVariables() {
		if v.Shape().DType != dtypes.Float32 {
			continue
		}
		weights = append(weights, tensors.MustCopyFlatData[float32](v.MustValue()))
	}
	return
}

func TestMLPTraining(t *testing.T) {
	const steps = 5
	wantLosses, wantWeights := trainMLP(t, goBackend(t), steps)
	for _, config := range []string{"", "gemm=go,threads=1"} {
		t.Run(fmt.Sprintf("config=%q", config), func(t *testing.T) {
			gotLosses, gotWeights := trainMLP(t, cpuBackendWith(t, config), steps)
			if err := compareFlat(wantLosses, gotLosses, 1e-4); err != nil {
				t.Fatalf("losses %v vs %v: %v", wantLosses, gotLosses, err)
			}
			if len(gotWeights) != len(wantWeights) {
				t.Fatalf("got %d variables, want %d", len(gotWeights), len(wantWeights))
			}
			for i := range wantWeights {
				if err := compareFlat(wantWeights[i], gotWeights[i], 1e-3); err != nil {
					t.Fatalf("variable #%d: %v", i, err)
				}
			}
		})
	}
}
