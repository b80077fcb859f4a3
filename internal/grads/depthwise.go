package grads

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// nhwc is the convolution axes of channels-last images and [h, w, in, out]
// kernels.
var nhwc = backends.ConvolveAxesConfig{
	InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
	KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
	OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
}

// Depthwise2D is a 2-D depthwise convolution's geometry: its strides and
// its padding (before, after) of each spatial axis.
type Depthwise2D struct {
	Strides [2]int
	Pads    [2][2]int
}

// DepthwiseInputGrad returns the gradient v of a channels-last depthwise
// convolution of x by k ([h, w, 1, channels × multiplier]) with respect to
// x: dx[c] = Σ_t depthwise(v spread by the strides and padded, flipped
// kernel)[c·m + t], one depthwise convolution for all channels at once (GoMLX
// differentiates a grouped convolution one group at a time).
func DepthwiseInputGrad(x, k, v *graph.Node, p Depthwise2D) *graph.Node {
	xd, kd, vd := x.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions
	cfg := make([]backends.PadAxis, 4)
	crop := make([]int, 2)
	for i := range 2 {
		end := xd[1+i] + p.Pads[i][0] - (vd[1+i]-1)*p.Strides[i] - 1
		cfg[1+i] = backends.PadAxis{Start: kd[i] - 1 - p.Pads[i][0], End: max(end, 0), Interior: p.Strides[i] - 1}
		crop[i] = max(-end, 0)
	}
	g := v.Graph()
	spread := graph.Pad(v, graph.ScalarZero(g, v.DType()), cfg...)
	cm := kd[3]
	dx := graph.ConvGeneral(spread, graph.Reverse(k, 0, 1), nhwc, []int{1, 1}, make([][2]int, 2),
		[]int{1, 1}, []int{1, 1}, cm, 1)
	if crop[0] > 0 || crop[1] > 0 {
		d := dx.Shape().Dimensions
		dx = graph.Slice(dx, graph.AxisRange(), graph.AxisRange(0, d[1]-crop[0]), graph.AxisRange(0, d[2]-crop[1]))
	}
	if m := cm / xd[3]; m > 1 {
		dx = graph.ReduceSum(graph.Reshape(dx, xd[0], xd[1], xd[2], xd[3], m), 4)
	}
	return dx
}

// DepthwiseKernelGrad returns the gradient v of the same convolution with
// respect to k: dk[p, q, 0, o] = Σ_{b,i,j} xpad[b, i·s+p, j·s+q, o/m]·v[b,
// i, j, o], one product and sum per tap.
func DepthwiseKernelGrad(x, k, v *graph.Node, p Depthwise2D) *graph.Node {
	xd, kd, vd := x.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions
	g := x.Graph()
	xp := graph.Pad(x, graph.ScalarZero(g, x.DType()), backends.PadAxis{},
		backends.PadAxis{Start: p.Pads[0][0], End: p.Pads[0][1]}, backends.PadAxis{Start: p.Pads[1][0], End: p.Pads[1][1]})
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
				graph.AxisRange(i, i+(vd[1]-1)*p.Strides[0]+1).Stride(p.Strides[0]),
				graph.AxisRange(j, j+(vd[2]-1)*p.Strides[1]+1).Stride(p.Strides[1]))
			taps = append(taps, graph.Reshape(graph.ReduceSum(graph.Mul(tap, v), 0, 1, 2), 1, cm))
		}
	}
	return graph.Reshape(graph.Concatenate(taps, 0), kd...)
}
