package layers

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// BenchmarkTextTrainStep measures one Adam step of two small text
// classifiers on the cpu backend, on random inputs with 10 classes
// (testdata/text_bench.py is the same in PyTorch):
//
//   - transformer: batch 32 of 128 steps × 64 features, two transformer
//     blocks (4 heads, intermediate 128, no dropout), globalavgpool1d, a
//     dense layer;
//   - bilstm: batch 32 of 28 steps × 28 features (MNIST's rows), a
//     bidirectional LSTM of 64 units, a dense layer.
//
// Run it beside PyTorch on a quiet machine:
//
//	buildslot --all sh -c 'go test -run XXX -bench TextTrainStep ./internal/layers/ && /usr/bin/python3 internal/layers/testdata/text_bench.py'
func BenchmarkTextTrainStep(b *testing.B) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(17, 18))
	for _, bc := range []struct {
		name        string
		steps, feat int
		layers      func() []registry.Layer
	}{
		{"transformer", 128, 64, func() []registry.Layer {
			block := func() registry.Layer {
				return &Transformer{NumHeads: 4, IntermediateDim: 128, Activation: "relu", LayerNormEpsilon: 1e-5}
			}
			return []registry.Layer{block(), block(), &GlobalPool1D{GlobalPool{rank: 3}}}
		}},
		{"bilstm", 28, 28, func() []registry.Layer {
			return []registry.Layer{newBidirectional(newRNN("lstm", 64, false, true))}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const batch = 32
			_, x := randTensor(r, batch, bc.steps, bc.feat)
			labels := make([]int32, batch)
			for i := range labels {
				labels[i] = int32(r.IntN(10))
			}
			lt := tensors.FromFlatDataAndDimensions(labels, batch)
			train := rnnTrainer(b, be, mlctx.New(), 0.001, 10, bc.layers()...)
			for range 3 {
				train.MustExec(x, lt)
			}
			b.ResetTimer()
			for range b.N {
				train.MustExec(x, lt)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/step")
		})
	}
}

// newBidirectional sets bidirectional on an LSTM or GRU.
func newBidirectional(l registry.Layer) registry.Layer {
	switch l := l.(type) {
	case *LSTM:
		l.Bidirectional = true
	case *GRU:
		l.Bidirectional = true
	}
	return l
}
