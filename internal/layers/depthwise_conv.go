package layers

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/exp-runner/exp/internal/grads"
)

func init() {
	graph.VJPRegistration[graph.NodeTypeConvGeneral] = depthwiseVJP(graph.VJPRegistration[graph.NodeTypeConvGeneral])
}

// depthwiseParams are the strides and (before, after) paddings of a
// depthwise convolution made by depthwiseConv.
type depthwiseParams struct {
	strides Pair
	pads    [2][2]int
}

// depthwiseArgs are the parameters of the convolutions depthwiseConv made.
var depthwiseArgs grads.NodeMeta[depthwiseParams]

// nhwc is the axes configuration of a channels-last convolution with an
// HWIO kernel.
var nhwc = backends.ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
	KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
	OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
}

// nativeDepthwise reports whether the backend of x runs depthwise
// convolutions (grouped ConvGeneral) natively: exp's cpu backend does.
func nativeDepthwise(x *graph.Node) bool { return x.Graph().Backend().Name() == "cpu" }

// depthwiseConv returns the depthwise convolution of x [b, h, w, c] with
// kernel [kh, kw, c, m] as one ConvGeneral with c channel groups. Its
// gradient (depthwiseVJP) is again a depthwise convolution for x and a sum
// over taps for the kernel, never a batch-grouped convolution.
func depthwiseConv(x, kernel *graph.Node, strides Pair, pads [2][2]int) *graph.Node {
	kd := kernel.Shape().Dimensions
	k := graph.Reshape(kernel, kd[0], kd[1], 1, kd[2]*kd[3])
	y := graph.ConvGeneral(x, k, nhwc, strides[:], pads[:], []int{1, 1}, []int{1, 1}, kd[2], 1)
	depthwiseArgs.Set(y, depthwiseParams{strides, pads})
	return y
}

// depthwiseVJP returns the gradients of a convolution made by depthwiseConv;
// other convolutions go to orig.
func depthwiseVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		p, ok := depthwiseArgs.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		x, k, v := node.Inputs()[0], node.Inputs()[1], vjps[0]
		g := grads.Depthwise2D{Strides: p.strides, Pads: p.pads}
		return []*graph.Node{grads.DepthwiseInputGrad(x, k, v, g), grads.DepthwiseKernelGrad(x, k, v, g)}
	}
}
