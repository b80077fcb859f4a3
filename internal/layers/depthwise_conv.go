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
		return []*graph.Node{depthwiseInputGrad(x, k, v, p), depthwiseKernelGrad(x, k, v, p)}
	}
}

// depthwiseInputGrad: dx[c] = Σ_k depthwise(v spread by the strides and
// padded, flipped kernel)[c·m+k].
func depthwiseInputGrad(x, k, v *graph.Node, p depthwiseParams) *graph.Node {
	xd, kd := x.Shape().Dimensions, k.Shape().Dimensions
	cfg := make([]backends.PadAxis, 4)
	for i := range 2 {
		out := v.Shape().Dimensions[1+i]
		cfg[1+i] = backends.PadAxis{
			Start:    kd[i] - 1 - p.pads[i][0],
			End:      xd[1+i] + p.pads[i][0] - (out-1)*p.strides[i] - 1,
			Interior: p.strides[i] - 1,
		}
	}
	g := v.Graph()
	vd := graph.Pad(v, graph.ScalarZero(g, v.DType()), cfg...)
	cm := kd[3]
	dx := graph.ConvGeneral(vd, graph.Reverse(k, 0, 1), nhwc, []int{1, 1}, [][2]int{{0, 0}, {0, 0}},
		[]int{1, 1}, []int{1, 1}, cm, 1)
	if m := cm / xd[3]; m > 1 {
		dx = graph.ReduceSum(graph.Reshape(dx, xd[0], xd[1], xd[2], xd[3], m), 4)
	}
	return dx
}

// depthwiseKernelGrad: dk[p, q, 0, o] = Σ_{b,i,j} xpad[b, i·s+p, j·s+q, o/m]·v[b, i, j, o],
// one product and sum per tap.
func depthwiseKernelGrad(x, k, v *graph.Node, p depthwiseParams) *graph.Node {
	xd, kd, vd := x.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions
	g := x.Graph()
	xp := graph.Pad(x, graph.ScalarZero(g, x.DType()), backends.PadAxis{},
		backends.PadAxis{Start: p.pads[0][0], End: p.pads[0][1]}, backends.PadAxis{Start: p.pads[1][0], End: p.pads[1][1]})
	cm := kd[3]
	if m := cm / xd[3]; m > 1 {
		d := xp.Shape().Dimensions
		xp = graph.Reshape(graph.BroadcastToDims(graph.Reshape(xp, d[0], d[1], d[2], d[3], 1), d[0], d[1], d[2], d[3], m),
			d[0], d[1], d[2], cm)
	}
	taps := make([]*graph.Node, 0, kd[0]*kd[1])
	for i := range kd[0] {
		for j := range kd[1] {
			tap := graph.Slice(xp, graph.AxisRange(),
				graph.AxisRange(i, i+(vd[1]-1)*p.strides[0]+1).Stride(p.strides[0]),
				graph.AxisRange(j, j+(vd[2]-1)*p.strides[1]+1).Stride(p.strides[1]))
			taps = append(taps, graph.Reshape(graph.ReduceSum(graph.Mul(tap, v), 0, 1, 2), 1, cm))
		}
	}
	return graph.Reshape(graph.Concatenate(taps, 0), kd...)
}
