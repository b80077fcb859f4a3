package model

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
)

// PredictStep is the graph function of inference on a batch x, as in
// evaluation (BatchNorm on its moving averages, no dropout): for
// classification each example's class probabilities (the softmax of the
// logits when the loss folds it in), for regression its predicted values.
// Its argmax is EvalStep's prediction: the softmax keeps the order.
func (m *Model) PredictStep(ctx *mlctx.Context, x *graph.Node) *graph.Node {
	ctx.SetTraining(x.Graph(), false)
	out, err := m.Forward(ctx, x)
	if err != nil {
		panic(err)
	}
	if m.FoldSoftmax {
		out = graph.Softmax(out, -1)
	}
	return graph.ConvertDType(out, dtypes.Float32)
}

// ScoreStep is the graph function that scores a labelled batch exactly as
// EvalStep does (summed loss, correct count) and also returns PredictStep's
// output and, for classification, each example's predicted class (int32,
// the argmax of the logits, as EvalStep counts it), so that one pass gives
// all of them.
func (m *Model) ScoreStep(ctx *mlctx.Context, x, y *graph.Node) []*graph.Node {
	return m.scoreStep(ctx, []*graph.Node{x}, y)
}

// ScoreStepInputs is ScoreStep for a model of any number of inputs: ins
// holds the model's inputs in the order of Info.ModelInputs, then the
// labels or targets.
func (m *Model) ScoreStepInputs(ctx *mlctx.Context, ins []*graph.Node) []*graph.Node {
	n := m.NumInputs()
	return m.scoreStep(ctx, ins[:n], ins[n])
}

func (m *Model) scoreStep(ctx *mlctx.Context, xs []*graph.Node, y *graph.Node) []*graph.Node {
	g := y.Graph()
	ctx.SetTraining(g, false)
	out, err := m.forward(ctx, xs, nil)
	if err != nil {
		panic(err)
	}
	lossSum := graph.ReduceAllSum(m.Loss.PerExample(out, y, m.FoldSoftmax))
	probs := out
	if m.FoldSoftmax {
		probs = graph.Softmax(out, -1)
	}
	outs := []*graph.Node{graph.ConvertDType(lossSum, dtypes.Float32), m.correct(out, y), graph.ConvertDType(probs, dtypes.Float32)}
	if m.Loss.Classification {
		outs = append(outs, graph.ArgMax(out, -1, dtypes.Int32))
	}
	return outs
}

// Variables returns the shape of each variable PredictStep reads, by its
// GoMLX parameter name ("var:/model/dense/kernel"): it builds the graph
// on backend without running it, so no variable is allocated. A model
// that cannot be built, or whose output does not fit its data's classes
// or targets, is an error. The frozen weights a layer reads from a file
// (checkpoint.FileWeight) are left out: a checkpoint holds them only once
// they have trained; FileVariables lists them.
func (m *Model) Variables(backend backends.Backend) (map[string]shapes.Shape, error) {
	out, _, err := m.variables(backend)
	return out, err
}

// FileVariables returns, as Variables does, the variables PredictStep
// reads that a layer reads from a file when a checkpoint lacks them (a
// frozen ONNX backbone's weights), and the others.
func (m *Model) FileVariables(backend backends.Backend) (fromFile, others map[string]shapes.Shape, err error) {
	others, fromFile, err = m.variables(backend)
	return fromFile, others, err
}

// variables builds PredictStep's graph and returns its variables' shapes:
// those a layer reads from its file (checkpoint.FileWeight), and the
// others.
func (m *Model) variables(backend backends.Backend) (out, fromFile map[string]shapes.Shape, err error) {
	out, fromFile = map[string]shapes.Shape{}, map[string]shapes.Shape{}
	p := Catch(func() {
		g := graph.NewGraph(backend, "variables")
		defer g.Finalize()
		ctx := mlctx.New()
		ctx.SetTraining(g, false)
		var xs []*graph.Node
		for k, shape := range m.InputShapes(1) {
			xs = append(xs, graph.Parameter(g, fmt.Sprintf("x%d", k), shape))
		}
		var y *graph.Node
		if y, err = m.ForwardInputs(ctx, xs); err != nil {
			return
		}
		if err = m.checkOutput(y); err != nil {
			return
		}
		for v := range ctx.IterVariables() {
			if checkpoint.FileWeight(v) {
				fromFile[v.ParameterName()] = v.Shape()
			} else {
				out[v.ParameterName()] = v.Shape()
			}
		}
	})
	if p != nil {
		return nil, nil, fmt.Errorf("cannot build the model: %s", p.Brief())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot build the model: %w", err)
	}
	return out, fromFile, nil
}
