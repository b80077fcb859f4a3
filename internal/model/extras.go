package model

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// perExample returns each example's loss: the configured loss, or with
// label smoothing Keras's CategoricalCrossentropy on the one-hot labels
// mixed with the uniform distribution, y·(1−ε) + ε/k.
func (m *Model) perExample(out, y *graph.Node) *graph.Node {
	if m.LabelSmoothing == 0 {
		return m.Loss.PerExample(out, y, m.FoldSoftmax)
	}
	k := out.Shape().Dimensions[out.Rank()-1]
	onehot := graph.OneHot(y, k, out.DType())
	smooth := graph.AddScalar(graph.MulScalar(onehot, 1-m.LabelSmoothing), m.LabelSmoothing/float64(k))
	return graph.Neg(graph.ReduceSum(graph.Mul(smooth, logProbs(out, m.FoldSoftmax)), -1))
}

// weighted multiplies each example's loss by its class's weight.
func (m *Model) weighted(perExample, y *graph.Node) *graph.Node {
	if m.ClassWeights == nil {
		return perExample
	}
	g := y.Graph()
	w := graph.InsertAxes(graph.ConvertDType(graph.Const(g, m.ClassWeights), perExample.DType()), 0)
	onehot := graph.OneHot(y, len(m.ClassWeights), perExample.DType())
	return graph.Mul(perExample, graph.ReduceSum(graph.Mul(onehot, w), -1))
}

// penalty returns the sum of the layers' kernel regularization terms,
// l1·Σ|w| + l2·Σw², or nil when no layer has one.
func (m *Model) penalty(ctx *mlctx.Context, g *graph.Graph) *graph.Node {
	var sum *graph.Node
	mctx := ctx.InAbsPath(Scope)
	for i, l := range m.Layers {
		reg := l.KernelRegularizer
		if reg == nil {
			continue
		}
		v := ctx.GetVariableByScopeAndName(mctx.In(m.Names[i]).Scope(), "kernel")
		if v == nil {
			continue
		}
		w := v.ValueGraph(g)
		var terms []*graph.Node
		if reg.L1 != 0 {
			terms = append(terms, graph.MulScalar(graph.ReduceAllSum(graph.Abs(w)), reg.L1))
		}
		if reg.L2 != 0 {
			terms = append(terms, graph.MulScalar(graph.ReduceAllSum(graph.Square(w)), reg.L2))
		}
		for _, t := range terms {
			if sum == nil {
				sum = t
			} else {
				sum = graph.Add(sum, t)
			}
		}
	}
	return sum
}

// clip applies train.optimizer's clipping to the gradients, as Keras's
// optimizers do before their update.
func (m *Model) clip(grads []*graph.Node) []*graph.Node {
	c := m.Clip
	switch {
	case c.ClipNorm > 0:
		out := make([]*graph.Node, len(grads))
		for i, gr := range grads {
			out[i] = clipByNorm(gr, graph.Sqrt(graph.ReduceAllSum(graph.Square(gr))), c.ClipNorm)
		}
		return out
	case c.GlobalClipNorm > 0:
		var sq *graph.Node
		for _, gr := range grads {
			s := graph.ReduceAllSum(graph.Square(gr))
			if sq == nil {
				sq = s
			} else {
				sq = graph.Add(sq, s)
			}
		}
		if sq == nil {
			return grads
		}
		out := make([]*graph.Node, len(grads))
		for i, gr := range grads {
			out[i] = clipByNorm(gr, graph.ConvertDType(graph.Sqrt(sq), gr.DType()), c.GlobalClipNorm)
		}
		return out
	case c.ClipValue > 0:
		out := make([]*graph.Node, len(grads))
		for i, gr := range grads {
			out[i] = graph.ClipScalar(gr, -c.ClipValue, c.ClipValue)
		}
		return out
	}
	return grads
}

// clipByNorm returns g·clip/max(norm, clip): g rescaled to norm clip when
// its norm is larger, unchanged otherwise.
func clipByNorm(g, norm *graph.Node, clip float64) *graph.Node {
	return graph.Div(graph.MulScalar(g, clip), graph.MaxScalar(norm, clip))
}
