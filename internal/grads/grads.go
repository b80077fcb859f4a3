package grads

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	graph.VJPRegistration[graph.NodeTypeDot] = dotVJP(graph.VJPRegistration[graph.NodeTypeDot])
	graph.VJPRegistration[graph.NodeTypeConvGeneral] = convVJP(graph.VJPRegistration[graph.NodeTypeConvGeneral])
	if _, ok := graph.VJPRegistration[graph.NodeTypeRsqrt]; !ok {
		graph.VJPRegistration[graph.NodeTypeRsqrt] = rsqrtVJP
	}
}

// rsqrtVJP is the gradient of y = 1/√x, which GoMLX v0.26 lacks:
// dy/dx = -y³/2.
func rsqrtVJP(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
	y := node
	return []*graph.Node{graph.Mul(vjps[0], graph.MulScalar(graph.Mul(y, graph.Square(y)), -0.5))}
}

// dotVJP returns the gradient of a 2-D Dot as two DotGeneral contractions;
// other ranks go to GoMLX's own gradient, orig.
func dotVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		a, b := node.Inputs()[0], node.Inputs()[1]
		if a.Rank() != 2 || b.Rank() != 2 || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		v := vjps[0] // [M, N]
		// dA[M,K] = Σ_n v[M,n]·b[K,n];  dB[K,N] = Σ_m a[m,K]·v[m,N].
		da := graph.DotGeneral(v, []int{1}, nil, b, []int{1}, nil)
		db := graph.DotGeneral(a, []int{0}, nil, v, []int{0}, nil)
		return []*graph.Node{da, db}
	}
}

// Conv2DParams are the parameters of a convolution made by Conv2D.
type Conv2DParams struct {
	Strides  [2]int
	Paddings [2][2]int // (before, after) for height, then width
}

// convParams are the parameters of the convolutions Conv2D made.
var convParams NodeMeta[Conv2DParams]

// Conv2D convolves x [batch, h, w, in] with kernel [kh, kw, in, out]
// (channels last, as Keras) and returns [batch, oh, ow, out]. Its gradient
// needs only ConvGeneral and slicing.
func Conv2D(x, kernel *graph.Node, p Conv2DParams) *graph.Node {
	axes := backends.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
	}
	y := graph.ConvGeneral(x, kernel, axes, p.Strides[:], [][2]int{p.Paddings[0], p.Paddings[1]},
		[]int{1, 1}, []int{1, 1}, 1, 1)
	convParams.Set(y, p)
	return y
}

func convVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		p, ok := convParams.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		x, k, v := node.Inputs()[0], node.Inputs()[1], vjps[0]
		dx, okX := conv2DInputGrad(x, k, v, p)
		dk, okK := conv2DKernelGrad(x, k, v, p)
		if !okX || !okK {
			return orig(node, vjps, outputShape)
		}
		return []*graph.Node{dx, dk}
	}
}

// conv2DInputGrad: dx = conv(dilate(v, strides), flip(k) with in/out swapped),
// padded so that the output has x's spatial size.
func conv2DInputGrad(x, k, v *graph.Node, p Conv2DParams) (*graph.Node, bool) {
	var pads [][2]int
	for i := range 2 {
		in, ks, out, s := x.Shape().Dimensions[1+i], k.Shape().Dimensions[i], v.Shape().Dimensions[1+i], p.Strides[i]
		before := ks - 1 - p.Paddings[i][0]
		after := in + p.Paddings[i][0] - (out-1)*s - 1
		if before < 0 || after < 0 {
			return nil, false
		}
		pads = append(pads, [2]int{before, after})
	}
	flipped := Reverse(k, 0, 1)
	axes := backends.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 3, KernelOutputChannels: 2, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
	}
	return graph.ConvGeneral(v, flipped, axes, []int{1, 1}, pads, p.Strides[:], []int{1, 1}, 1, 1), true
}

// conv2DKernelGrad: dk[p,q,c,o] = Σ_{b,i,j} xpad[b, i·s+p, j·s+q, c]·v[b,i,j,o],
// a convolution of x (batch and channel axes swapped) with v dilated by the
// strides. Rows and columns of x that no window reaches are sliced off first.
func conv2DKernelGrad(x, k, v *graph.Node, p Conv2DParams) (*graph.Node, bool) {
	var pads [][2]int
	for i := range 2 {
		in, ks, out, s := x.Shape().Dimensions[1+i], k.Shape().Dimensions[i], v.Shape().Dimensions[1+i], p.Strides[i]
		after := ks + (out-1)*s - in - p.Paddings[i][0]
		if after > p.Paddings[i][1] {
			return nil, false
		}
		if after < 0 {
			x = graph.SliceAxis(x, 1+i, graph.AxisRange(0, in+after))
			after = 0
		}
		pads = append(pads, [2]int{p.Paddings[i][0], after})
	}
	axes := backends.ConvolveAxesConfig{
		InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1},
	}
	return graph.ConvGeneral(x, v, axes, []int{1, 1}, pads, []int{1, 1}, p.Strides[:], 1, 1), true
}

// Has reports whether the backend of g implements op.
func Has(g *graph.Graph, op backends.OpType) bool {
	return g.Backend().Capabilities().Operations[op]
}

// Reverse reverses x along axes, with graph.Reverse where the backend has it
// and by slicing and concatenation where it does not.
func Reverse(x *graph.Node, axes ...int) *graph.Node {
	if Has(x.Graph(), backends.OpTypeReverse) {
		return graph.Reverse(x, axes...)
	}
	for _, axis := range axes {
		n := x.Shape().Dimensions[axis]
		if n <= 1 {
			continue
		}
		parts := make([]*graph.Node, n)
		for i := range n {
			parts[n-1-i] = graph.SliceAxis(x, axis, graph.AxisRange(i, i+1))
		}
		x = graph.Concatenate(parts, axis)
	}
	return x
}

// Pad pads x with zeros: before and after each axis (no interior padding),
// with graph.Pad where the backend has it and by concatenation where not.
func Pad(x *graph.Node, pads ...[2]int) *graph.Node {
	g := x.Graph()
	if Has(g, backends.OpTypePad) {
		cfg := make([]backends.PadAxis, len(pads))
		for i, p := range pads {
			cfg[i] = backends.PadAxis{Start: p[0], End: p[1]}
		}
		return graph.Pad(x, graph.ScalarZero(g, x.DType()), cfg...)
	}
	for axis, p := range pads {
		parts := []*graph.Node{}
		dims := x.Shape().Clone()
		if p[0] > 0 {
			dims.Dimensions[axis] = p[0]
			parts = append(parts, graph.Zeros(g, dims.Clone()))
		}
		parts = append(parts, x)
		if p[1] > 0 {
			dims.Dimensions[axis] = p[1]
			parts = append(parts, graph.Zeros(g, dims.Clone()))
		}
		if len(parts) > 1 {
			x = graph.Concatenate(parts, axis)
		}
	}
	return x
}
