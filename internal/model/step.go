package model

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// TrainStep is the graph function of one training step, for mlctx.NewExec:
// given a batch of inputs x and labels or targets y, it updates every
// variable (the optimizer's step on the batch's mean loss, BatchNorm's moving
// averages, the RNG state) and returns the batch's summed loss and its number
// of correct predictions (0 for regression), as float32 scalars. The loss
// includes the class weights and, per example, the regularization penalty.
func (m *Model) TrainStep(ctx *mlctx.Context, x, y *graph.Node) []*graph.Node {
	return m.trainStep(ctx, []*graph.Node{x}, y, nil)
}

// TrainStepLR is TrainStep with the learning rate as a third input, a
// float32 scalar, so that a schedule can change it at every step.
func (m *Model) TrainStepLR(ctx *mlctx.Context, x, y, lr *graph.Node) []*graph.Node {
	return m.trainStep(ctx, []*graph.Node{x}, y, lr)
}

// TrainStepInputs is TrainStep, or TrainStepLR, for a model of any number
// of inputs: ins holds the model's inputs in the order of
// Info.ModelInputs, then the labels or targets, then optionally the
// learning rate.
func (m *Model) TrainStepInputs(ctx *mlctx.Context, ins []*graph.Node) []*graph.Node {
	n := m.NumInputs()
	var lr *graph.Node
	if len(ins) > n+1 {
		lr = ins[n+1]
	}
	return m.trainStep(ctx, ins[:n], ins[n], lr)
}

func (m *Model) trainStep(ctx *mlctx.Context, xs []*graph.Node, y, lr *graph.Node) []*graph.Node {
	g := y.Graph()
	ctx.SetTraining(g, true)
	out, err := m.forward(ctx, xs, nil)
	if err != nil {
		panic(err)
	}
	perExample := m.weighted(m.perExample(out, y), y)
	lossSum := graph.ReduceAllSum(perExample)
	n := float64(xs[0].Shape().Dimensions[0])
	loss := graph.DivScalar(lossSum, n)
	if p := m.penalty(ctx, g); p != nil {
		loss = graph.Add(loss, p)
		lossSum = graph.Add(lossSum, graph.MulScalar(p, n))
	}
	var vars []*mlctx.Variable
	var params []*graph.Node
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
			params = append(params, v.ValueGraph(g))
		}
	}
	grads := m.clip(graph.Gradient(loss, params...))
	if lr == nil {
		lr = graph.Scalar(g, loss.DType(), m.LearningRate)
	} else {
		lr = graph.ConvertDType(lr, loss.DType())
	}
	m.Optimizer.Apply(ctx, lr, vars, grads)
	return []*graph.Node{graph.ConvertDType(lossSum, dtypes.Float32), m.correct(out, y)}
}

// EvalStep is the graph function of one evaluation step: the batch's summed
// loss and number of correct predictions, with BatchNorm on its moving
// averages and no dropout; for classification a third output holds each
// example's predicted class (int32), for the confusion matrix.
func (m *Model) EvalStep(ctx *mlctx.Context, x, y *graph.Node) []*graph.Node {
	return m.evalStep(ctx, []*graph.Node{x}, y)
}

// EvalStepInputs is EvalStep for a model of any number of inputs: ins
// holds the model's inputs in the order of Info.ModelInputs, then the
// labels or targets.
func (m *Model) EvalStepInputs(ctx *mlctx.Context, ins []*graph.Node) []*graph.Node {
	n := m.NumInputs()
	return m.evalStep(ctx, ins[:n], ins[n])
}

func (m *Model) evalStep(ctx *mlctx.Context, xs []*graph.Node, y *graph.Node) []*graph.Node {
	g := y.Graph()
	ctx.SetTraining(g, false)
	out, err := m.forward(ctx, xs, nil)
	if err != nil {
		panic(err)
	}
	lossSum := graph.ReduceAllSum(m.perExample(out, y))
	if p := m.penalty(ctx, g); p != nil {
		lossSum = graph.Add(lossSum, graph.MulScalar(p, float64(xs[0].Shape().Dimensions[0])))
	}
	outs := []*graph.Node{graph.ConvertDType(lossSum, dtypes.Float32), m.correct(out, y)}
	if m.Loss.Classification {
		outs = append(outs, graph.ArgMax(out, -1, dtypes.Int32))
	}
	return outs
}

func (m *Model) correct(out, y *graph.Node) *graph.Node {
	g := out.Graph()
	if !m.Loss.Classification {
		return graph.ScalarZero(g, dtypes.Float32)
	}
	pred := graph.ArgMax(out, -1, dtypes.Int32)
	return graph.ReduceAllSum(graph.ConvertDType(graph.Equal(pred, y), dtypes.Float32))
}
