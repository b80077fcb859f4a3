package layers

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/exp-runner/exp/internal/grads"
)

func init() {
	graph.VJPRegistration[graph.NodeTypeSlice] = sliceVJP(graph.VJPRegistration[graph.NodeTypeSlice])
}

// sliceParams are the starts and strides of a slice made by slice.
type sliceParams struct{ starts, strides []int }

// sliceArgs are the parameters of the slices slice made.
var sliceArgs grads.NodeMeta[sliceParams]

// slice returns x[starts[i] : limits[i] : strides[i]] along each axis. On a
// backend without Pad, which GoMLX's gradient of a slice needs, its gradient
// is built by concatenation (sliceVJP).
func slice(x *graph.Node, starts, limits, strides []int) *graph.Node {
	spec := make([]graph.SliceAxisSpec, len(starts))
	for i := range spec {
		spec[i] = graph.AxisRange(starts[i], limits[i]).Stride(strides[i])
	}
	y := graph.Slice(x, spec...)
	if grads.Has(x.Graph(), backends.OpTypePad) {
		return y
	}
	sliceArgs.Set(y, sliceParams{starts, strides})
	return y
}

// sliceVJP returns the gradient of a slice made by slice on a backend
// without Pad: the output's gradient spread out by the strides (zeros
// concatenated between its elements) and padded with zeros to the input's
// shape. Other slices go to orig.
func sliceVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		p, ok := sliceArgs.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		v := vjps[0]
		in := node.Inputs()[0].Shape().Dimensions
		pads := make([][2]int, len(in))
		for axis, s := range p.strides {
			v = spread(v, axis, s)
			n := v.Shape().Dimensions[axis]
			pads[axis] = [2]int{p.starts[axis], in[axis] - p.starts[axis] - n}
		}
		return []*graph.Node{grads.Pad(v, pads...)}
	}
}

// spread puts s-1 zeros between consecutive elements of v along axis.
func spread(v *graph.Node, axis, s int) *graph.Node {
	dims := v.Shape().Clone().Dimensions
	n := dims[axis]
	if s <= 1 || n <= 1 {
		return v
	}
	split := append(append(append([]int(nil), dims[:axis+1]...), 1), dims[axis+1:]...)
	zeros := append([]int(nil), split...)
	zeros[axis+1] = s - 1
	z := graph.Zeros(v.Graph(), shapes.Make(v.DType(), zeros...))
	w := graph.Concatenate([]*graph.Node{graph.Reshape(v, split...), z}, axis+1)
	dims[axis] = n * s
	w = graph.Reshape(w, dims...)
	return graph.SliceAxis(w, axis, graph.AxisRange(0, (n-1)*s+1))
}
