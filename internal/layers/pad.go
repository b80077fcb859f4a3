package layers

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/exp-runner/exp/internal/grads"
)

func init() {
	graph.VJPRegistration[graph.NodeTypePad] = padVJP(graph.VJPRegistration[graph.NodeTypePad])
}

// padsOf are the paddings of the Pads padZeros made.
var padsOf grads.NodeMeta[[][2]int]

// padZeros pads x with zeros before and after its leading axes: with the
// backend's Pad where it has one (its gradient, which GoMLX lacks, is the
// slice registered by padVJP), else by concatenating zeros.
func padZeros(x *graph.Node, pads ...[2]int) *graph.Node {
	g := x.Graph()
	if grads.Has(g, backends.OpTypePad) {
		cfg := make([]backends.PadAxis, len(pads))
		for i, p := range pads {
			cfg[i] = backends.PadAxis{Start: p[0], End: p[1]}
		}
		y := graph.Pad(x, graph.ScalarZero(g, x.DType()), cfg...)
		padsOf.Set(y, pads)
		return y
	}
	return grads.Pad(x, pads...)
}

// padVJP returns the gradient of a Pad made by padZeros, the slice of the
// output's gradient where x was; other Pads go to orig (GoMLX has none).
func padVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		pads, ok := padsOf.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			if orig == nil {
				panic(fmt.Sprintf("no gradient for %s", node))
			}
			return orig(node, vjps, outputShape)
		}
		v := vjps[0]
		spec := make([]graph.SliceAxisSpec, v.Rank())
		for i := range spec {
			spec[i] = graph.AxisRange()
			if i < len(pads) {
				spec[i] = graph.AxisRange(pads[i][0], v.Shape().Dimensions[i]-pads[i][1])
			}
		}
		return []*graph.Node{graph.Slice(v, spec...), graph.ZerosLike(node.Inputs()[1])}
	}
}
