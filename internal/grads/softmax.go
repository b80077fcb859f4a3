package grads

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	graph.VJPRegistration[graph.NodeTypeDiv] = softmaxDivVJP(graph.VJPRegistration[graph.NodeTypeDiv])
	graph.VJPRegistration[graph.NodeTypeExp] = softmaxExpVJP(graph.VJPRegistration[graph.NodeTypeExp])
}

// softmaxes marks the nodes Softmax made: its output (a Div) and its Exp.
var softmaxes NodeMeta[struct{}]

// Softmax returns the softmax of x over its last axis, computed as
// graph.Softmax does: y = e/Σe with e = exp(x − max x). Its gradient is
// y·(v − Σ v·y), which reads only y: GoMLX's own goes back through the
// division and the exponential, and reads e and Σe, so a backend that fuses
// the forward ops into one kernel would still have to compute them.
func Softmax(x *graph.Node) *graph.Node {
	last := x.Rank() - 1
	shifted := graph.Sub(x, graph.StopGradient(graph.ReduceAndKeep(x, graph.ReduceMax, last)))
	e := graph.Exp(shifted)
	y := graph.Div(e, graph.ReduceAndKeep(e, graph.ReduceSum, last))
	softmaxes.Set(e, struct{}{})
	softmaxes.Set(y, struct{}{})
	return y
}

// softmaxDivVJP returns, for the division of a Softmax, the gradient with
// respect to the shifted x as the numerator's (Exp passes it on, see
// softmaxExpVJP) and none for the denominator; orig for other divisions.
func softmaxDivVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		if _, ok := softmaxes.Get(node); !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		y, v := node, vjps[0]
		dot := graph.ReduceAndKeep(graph.Mul(v, y), graph.ReduceSum, y.Rank()-1)
		return []*graph.Node{graph.Mul(y, graph.Sub(v, dot)), nil}
	}
}

// softmaxExpVJP passes the gradient a Softmax's division gave its Exp on
// unchanged; orig for other exponentials.
func softmaxExpVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		if _, ok := softmaxes.Get(node); !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		return []*graph.Node{vjps[0]}
	}
}
