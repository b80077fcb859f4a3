package model

import (
	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/exp-runner/exp/registry"
)

// probabilityEpsilon clips probabilities away from 0 and 1, as Keras does,
// when cross-entropy is taken of a stack's own (non-logit) output.
const probabilityEpsilon = 1e-7

func init() {
	registry.Losses.Register("sparse_categorical_crossentropy", registry.Loss{
		Classification: true,
		Doc:            "cross-entropy of integer class labels; a final softmax is folded in (logits)",
		PerExample: func(out, labels *graph.Node, fromLogits bool) *graph.Node {
			classes := out.Shape().Dimensions[out.Rank()-1]
			onehot := graph.OneHot(labels, classes, out.DType())
			return graph.Neg(graph.ReduceSum(graph.Mul(onehot, logProbs(out, fromLogits)), -1))
		},
	})
	registry.Losses.Register("mse", registry.Loss{
		Doc: "mean squared error over the target's last axis",
		PerExample: func(out, targets *graph.Node, _ bool) *graph.Node {
			return graph.ReduceMean(graph.Square(graph.Sub(out, targets)), -1)
		},
	})
	registry.Losses.Register("mae", registry.Loss{
		Doc: "mean absolute error over the target's last axis",
		PerExample: func(out, targets *graph.Node, _ bool) *graph.Node {
			return graph.ReduceMean(graph.Abs(graph.Sub(out, targets)), -1)
		},
	})
}

// logProbs returns the log-probabilities of each class: of logits, or of
// the stack's own output, normalised and clipped as Keras does.
func logProbs(out *graph.Node, fromLogits bool) *graph.Node {
	if fromLogits {
		return graph.LogSoftmax(out, -1)
	}
	p := graph.Div(out, graph.ReduceAndKeep(out, graph.ReduceSum, -1))
	return graph.Log(graph.ClipScalar(p, probabilityEpsilon, 1-probabilityEpsilon))
}
