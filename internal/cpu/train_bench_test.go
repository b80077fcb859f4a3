package cpu

import (
	"flag"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// matmulDotVJP replaces GoMLX's Dot gradient (a broadcast [i,j,k] product reduced) with two matrix products,
// as the project's model package does: dA = v·Bᵀ, dB = Aᵀ·v.
func matmulDotVJP(node *Node, vjps []*Node, _ shapes.Shape) []*Node {
	a, b := node.Inputs()[0], node.Inputs()[1]
	v := vjps[0]
	if a.Rank() != 2 || b.Rank() != 2 {
		panic("matmulDotVJP: only rank-2 Dot supported")
	}
	return []*Node{
		DotGeneral(v, []int{1}, nil, b, []int{1}, nil),
		DotGeneral(a, []int{0}, nil, v, []int{0}, nil),
	}
}

// withMatmulDotVJP runs fn with the Dot gradient replaced by matmulDotVJP.
func withMatmulDotVJP(fn func()) {
	old := VJPRegistration[NodeTypeDot]
	VJPRegistration[NodeTypeDot] = matmulDotVJP
	defer func() { VJPRegistration[NodeTypeDot] = old }()
	fn()
}

// trainStepGraph builds an SGD train step: it returns the loss and the updated parameters.
type trainStepGraph struct {
	g         *Graph
	numParams int
}

func newTrainStep(backend backends.Backend, name string, inputShapes []shapes.Shape, numData int,
	lossFn func(ins []*Node) *Node) *trainStepGraph {
	g := NewGraph(backend, name)
	ins := make([]*Node, len(inputShapes))
	for i, s := range inputShapes {
		ins[i] = Parameter(g, fmt.Sprintf("p%d", i), s)
	}
	loss := lossFn(ins)
	params := ins[numData:]
	grads := Gradient(loss, params...)
	outs := []*Node{loss}
	for i, p := range params {
		outs = append(outs, Sub(p, MulScalar(grads[i], 0.01)))
	}
	g.Compile(outs...)
	return &trainStepGraph{g: g, numParams: len(params)}
}

// run executes steps train steps: parameters are donated and replaced by their updated values.
func (ts *trainStepGraph) run(b testing.TB, backend backends.Backend, inputs []*tensors.Tensor, steps int) float32 {
	bufs := make([]backends.Buffer, len(inputs))
	donate := make([]bool, len(inputs))
	numData := len(inputs) - ts.numParams
	for i, in := range inputs {
		shape := in.Shape()
		var err error
		in.MustConstFlatData(func(flat any) {
			bufs[i], err = backend.BufferFromFlatData(0, flat, shape)
		})
		if err != nil {
			b.Fatal(err)
		}
		donate[i] = i >= numData
	}
	var loss float32
	for range steps {
		outs := ts.g.RunWithBuffers(bufs, donate, 0)
		for i, out := range outs[1:] {
			buf, err := out.DonateBuffer(backend, 0)
			if err != nil {
				b.Fatal(err)
			}
			bufs[numData+i] = buf
		}
		loss = tensors.ToScalar[float32](outs[0])
		outs[0].MustFinalizeAll()
	}
	for _, buf := range bufs {
		_ = backend.BufferFinalize(buf)
	}
	return loss
}

func tensorShapes(ts []*tensors.Tensor) []shapes.Shape {
	out := make([]shapes.Shape, len(ts))
	for i, t := range ts {
		out[i] = t.Shape()
	}
	return out
}

// BenchmarkMLPTrainStep measures one SGD train step (forward and backward) of the reference MLP at batch 32,
// on the cpu and go (simplego) backends, with GoMLX's stock Dot gradient and with the matmul gradient.
//
//	go test -bench MLPTrainStep -run XXX ./internal/cpu/
func BenchmarkMLPTrainStep(b *testing.B) {
	inputs := mlpInputs(32, 30)
	for _, vjp := range []string{"matmulVJP", "stockVJP"} {
		for _, name := range []string{"cpu", "go"} {
			b.Run(fmt.Sprintf("%s/%s", vjp, name), func(b *testing.B) {
				backend := cpuBackend(b)
				if name == "go" {
					backend = goBenchBackend(b)
				}
				build := func() *trainStepGraph {
					return newTrainStep(backend, "mlp", tensorShapes(inputs), 2, func(ins []*Node) *Node {
						return mlpLoss(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5])
					})
				}
				var ts *trainStepGraph
				if vjp == "matmulVJP" {
					withMatmulDotVJP(func() { ts = build() })
				} else {
					ts = build()
				}
				defer ts.g.Finalize()
				ts.run(b, backend, inputs, 3) // Warm-up: buffer pools reach their steady state.
				b.ReportAllocs()
				b.ResetTimer()
				ts.run(b, backend, inputs, b.N)
			})
		}
	}
}

// cnnInputs are the inputs of the reference CNN at the given batch size.
func cnnInputs(batch int) []*tensors.Tensor {
	rng := newRng(31)
	return []*tensors.Tensor{
		randomTensor(rng, dtypes.Float32, 0, 1, batch, 28, 28, 1),
		randomTensor(rng, dtypes.Int32, 0, 10, batch),
		randomTensor(rng, dtypes.Float32, -0.3, 0.3, 3, 3, 1, 16),
		randomTensor(rng, dtypes.Float32, -0.1, 0.1, 3, 3, 16, 32),
		randomTensor(rng, dtypes.Float32, -0.05, 0.05, 1568, 128),
		randomTensor(rng, dtypes.Float32, -0.2, 0.2, 128, 10),
		randomTensor(rng, dtypes.Float32, 0.9, 1.1, 16),
		randomTensor(rng, dtypes.Float32, 0.9, 1.1, 32),
		randomTensor(rng, dtypes.Float32, 0.9, 1.1, 128),
	}
}

// batchNorm normalizes over all axes but the last, with the gradient flowing through the batch statistics.
func batchNorm(x, gamma *Node) *Node {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	mean := ReduceAndKeep(x, ReduceMean, axes...)
	centered := Sub(x, mean)
	variance := ReduceAndKeep(Mul(centered, centered), ReduceMean, axes...)
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[len(dims)-1] = -1
	return Mul(Div(centered, Sqrt(AddScalar(variance, 1e-3))), Reshape(gamma, dims...))
}

// maxPool2 is a 2x2 max-pooling written with Reshape and ReduceMax, whose gradient simplego supports.
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// cnnLoss is the reference CNN: Conv3x3 same 16 → BN → ReLU → MaxPool2 → Conv3x3 same 32 → BN → ReLU → MaxPool2 →
// Dense 1568→128 → BN → ReLU → Dense 10 (biases omitted, they are cheap).
func cnnLoss(ins []*Node) *Node { return cnnLossWith(ins, maxPool2) }

// cnnLossStockPool is cnnLoss with GoMLX's MaxPool (ReduceWindow, and SelectAndScatterMax for its gradient).
func cnnLossStockPool(ins []*Node) *Node {
	return cnnLossWith(ins, func(x *Node) *Node { return MaxPool(x).Window(2).Done() })
}

func cnnLossWith(ins []*Node, pool func(x *Node) *Node) *Node {
	x, labels, k1, k2, w1, w2, g1, g2, g3 := ins[0], ins[1], ins[2], ins[3], ins[4], ins[5], ins[6], ins[7], ins[8]
	y := Convolve(x, k1).Strides(1).Dilations(1).PadSame().Done()
	y = pool(activations.Relu(batchNorm(y, g1)))
	y = Convolve(y, k2).Strides(1).Dilations(1).PadSame().Done()
	y = pool(activations.Relu(batchNorm(y, g2)))
	y = Reshape(y, y.Shape().Dimensions[0], -1)
	y = activations.Relu(batchNorm(Dot(y, w1), g3))
	return softmaxCrossEntropy(Dot(y, w2), labels)
}

// BenchmarkCNNTrainStep measures one SGD train step of the reference CNN at batch 32 on the cpu backend, and on
// the cpu backend with the convolutions run by simplego (the go backend lacks Reverse for the conv gradient).
//
//	go test -bench CNNTrainStep -run XXX ./internal/cpu/
func BenchmarkCNNTrainStep(b *testing.B) {
	inputs := cnnInputs(32)
	for _, name := range []string{"cpu", "cpu-stockpool", "cpu-convfallback"} {
		b.Run(name, func(b *testing.B) {
			backend := cpuBackend(b)
			if name == "cpu-convfallback" {
				backend = cpuBackendWith(b, "conv=fallback")
			}
			loss := cnnLoss
			if name == "cpu-stockpool" {
				loss = cnnLossStockPool
			}
			var ts *trainStepGraph
			withMatmulDotVJP(func() { ts = newTrainStep(backend, "cnn", tensorShapes(inputs), 2, loss) })
			defer ts.g.Finalize()
			ts.run(b, backend, inputs, 2)
			b.ReportAllocs()
			b.ResetTimer()
			ts.run(b, backend, inputs, b.N)
		})
	}
}

// TestProfileCNN prints where the time of a CNN train step goes (run with -v -run ProfileCNN; skipped with -short).
func TestProfileCNN(t *testing.T) {
	if testing.Short() || !*flagProfile {
		t.Skip("use -profile to run")
	}
	backend := cpuBackendWith(t, "profile")
	inputs := cnnInputs(32)
	var ts *trainStepGraph
	withMatmulDotVJP(func() { ts = newTrainStep(backend, "cnn", tensorShapes(inputs), 2, cnnLoss) })
	defer ts.g.Finalize()
	ts.run(t, backend, inputs, 2)
	backend.(*Backend).ProfileReport(io.Discard, 0)
	ts.run(t, backend, inputs, 10)
	backend.(*Backend).ProfileReport(os.Stdout, 40)

	withMatmulDotVJP(func() { ts = newTrainStep(backend, "cnn", tensorShapes(inputs), 2, cnnLossStockPool) })
	ts.run(t, backend, inputs, 2)
	backend.(*Backend).ProfileReport(io.Discard, 0)
	ts.run(t, backend, inputs, 10)
	fmt.Println("With GoMLX's MaxPool:")
	backend.(*Backend).ProfileReport(os.Stdout, 15)
}

var flagProfile = flag.Bool("profile", false, "run the profiling tests")

// BenchmarkMLPTrainer measures one step of GoMLX's trainer (Adam, dropout) on the reference MLP at batch 32, with
// the Dot gradient replaced by two matrix products (see matmulDotVJP).
//
//	go test -bench MLPTrainer -run XXX ./internal/cpu/
func BenchmarkMLPTrainer(b *testing.B) {
	for _, name := range []string{"cpu", "go"} {
		b.Run(name, func(b *testing.B) {
			backend := cpuBackend(b)
			if name == "go" {
				backend = goBenchBackend(b)
			}
			withMatmulDotVJP(func() {
				trainer, x, y := newMLPTrainer(b, backend)
				step := func() {
					if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
						b.Fatal(err)
					}
				}
				step()
				step()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
			})
		})
	}
}

// TestProfileMLPTrainer prints where the time of a trainer step goes (run with -v -run ProfileMLPTrainer -profile).
func TestProfileMLPTrainer(t *testing.T) {
	if testing.Short() || !*flagProfile {
		t.Skip("use -profile to run")
	}
	backend := cpuBackendWith(t, "profile")
	withMatmulDotVJP(func() {
		trainer, x, y := newMLPTrainer(t, backend)
		for i := range 110 {
			if i == 10 {
				backend.(*Backend).ProfileReport(io.Discard, 0)
			}
			if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
				t.Fatal(err)
			}
		}
	})
	backend.(*Backend).ProfileReport(os.Stdout, 45)
}

// BenchmarkCNNConfigs measures the CNN train step with 1 and 2 threads, and with each matrix-multiplication
// kernel.
func BenchmarkCNNConfigs(b *testing.B) {
	inputs := cnnInputs(32)
	for _, config := range []string{"threads=1", "threads=2", "gemm=blas", "gemm=asm", "gemm=go"} {
		b.Run(config, func(b *testing.B) {
			backend := cpuBackendWith(b, config)
			var ts *trainStepGraph
			withMatmulDotVJP(func() { ts = newTrainStep(backend, "cnn", tensorShapes(inputs), 2, cnnLoss) })
			defer ts.g.Finalize()
			ts.run(b, backend, inputs, 2)
			b.ResetTimer()
			ts.run(b, backend, inputs, b.N)
		})
	}
}

// BenchmarkMLPConfigs measures the MLP trainer step with each matrix-multiplication kernel.
func BenchmarkMLPConfigs(b *testing.B) {
	for _, config := range []string{"threads=1", "threads=2", "gemm=blas", "gemm=asm", "gemm=go"} {
		b.Run(config, func(b *testing.B) {
			backend := cpuBackendWith(b, config)
			withMatmulDotVJP(func() {
				trainer, x, y := newMLPTrainer(b, backend)
				step := func() {
					if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
						b.Fatal(err)
					}
				}
				step()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
			})
		})
	}
}

// recordingBackend is a cpu backend that remembers the last compiled executable, so benchmarks can call it
// directly, without GoMLX's graph execution overhead.
type recordingBackend struct {
	*Backend
	last backends.Executable
}

func (r *recordingBackend) Builder(name string) backends.Builder {
	return &recordingBuilder{Builder: newBuilder(r.Backend, name), r: r}
}

type recordingBuilder struct {
	*Builder
	r *recordingBackend
}

func (b *recordingBuilder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	e, err := b.Builder.Compile(outputs, shardings)
	b.r.last = e
	return e, err
}

// BenchmarkBackendTrainStep measures the cpu backend's Execute alone on the MLP and CNN SGD train steps, with
// the parameters donated and replaced by their updated values: allocs/op is the backend's own.
//
//	go test -bench BackendTrainStep -run XXX ./internal/cpu/
func BenchmarkBackendTrainStep(b *testing.B) {
	models := []struct {
		name    string
		inputs  []*tensors.Tensor
		lossFn  func(ins []*Node) *Node
		numData int
	}{
		{"mlp", mlpInputs(32, 30), func(ins []*Node) *Node { return mlpLoss(ins[0], ins[1], ins[2], ins[3], ins[4], ins[5]) }, 2},
		{"cnn", cnnInputs(32), cnnLoss, 2},
	}
	for _, m := range models {
		b.Run(m.name, func(b *testing.B) {
			backend, err := New("")
			if err != nil {
				b.Fatal(err)
			}
			rec := &recordingBackend{Backend: backend.(*Backend)}
			var ts *trainStepGraph
			withMatmulDotVJP(func() { ts = newTrainStep(rec, m.name, tensorShapes(m.inputs), m.numData, m.lossFn) })
			exec := rec.last
			bufs := make([]backends.Buffer, len(m.inputs))
			donate := make([]bool, len(m.inputs))
			for i, in := range m.inputs {
				shape := in.Shape()
				in.MustConstFlatData(func(flat any) { bufs[i], err = backend.BufferFromFlatData(0, flat, shape) })
				if err != nil {
					b.Fatal(err)
				}
				donate[i] = i >= m.numData
			}
			step := func() {
				outs, err := exec.Execute(bufs, donate, 0)
				if err != nil {
					b.Fatal(err)
				}
				copy(bufs[m.numData:], outs[1:])
				_ = backend.BufferFinalize(outs[0])
			}
			for range 3 {
				step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.StopTimer()
			ts.g.Finalize()
			backend.Finalize()
		})
	}
}
