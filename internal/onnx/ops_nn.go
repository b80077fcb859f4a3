package onnx

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Convolutions and pooling run channels-last ([N, S..., C]), the layout the
// cpu backend computes natively, with kernels [k..., in, out]; their output
// stays channels-last for the ops that follow.

// convPads returns the padding of each spatial axis from pads or auto_pad.
func convPads(n *node, in, kernel, strides, dil []int) [][2]int {
	sp := len(in)
	pads := make([][2]int, sp)
	switch mode := n.stringAttr("auto_pad", "NOTSET"); mode {
	case "NOTSET", "":
		p := n.intsAttr("pads", nil)
		if p == nil {
			return pads
		}
		if len(p) != 2*sp {
			fail("pads has %d values, want %d", len(p), 2*sp)
		}
		for i := range sp {
			pads[i] = [2]int{p[i], p[i+sp]}
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		for i := range sp {
			out := (in[i] + strides[i] - 1) / strides[i]
			total := max(0, (out-1)*strides[i]+(kernel[i]-1)*dil[i]+1-in[i])
			if mode == "SAME_UPPER" {
				pads[i] = [2]int{total / 2, total - total/2}
			} else {
				pads[i] = [2]int{total - total/2, total / 2}
			}
		}
	default:
		fail("auto_pad %q is not supported", mode)
	}
	for _, p := range pads {
		if p[0] < 0 || p[1] < 0 {
			fail("negative pads %v are not supported", pads)
		}
	}
	return pads
}

// spatialAxes returns [from, from+1, ..., from+n-1].
func spatialAxes(from, n int) []int {
	a := make([]int, n)
	for i := range a {
		a[i] = from + i
	}
	return a
}

// channelsLastConv is the axes configuration of a channels-last convolution
// with a [k..., in, out] kernel.
func channelsLastConv(rank int) backends.ConvolveAxesConfig {
	sp := rank - 2
	return backends.ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: spatialAxes(1, sp), InputChannels: rank - 1,
		KernelSpatial: spatialAxes(0, sp), KernelInputChannels: sp, KernelOutputChannels: sp + 1,
		OutputBatch: 0, OutputSpatial: spatialAxes(1, sp), OutputChannels: rank - 1,
	}
}

// addChannelBias adds a per-channel bias [C] to a channels-last tensor.
func addChannelBias(y *graph.Node, b value) *graph.Node {
	dims := ones(y.Rank())
	dims[y.Rank()-1] = b.dims()[0]
	return graph.Add(y, graph.Reshape(logical(b), dims...))
}

// convGeometry reads the attributes shared by Conv and ConvTranspose.
func convGeometry(n *node, x, w value) (xd, kernel, strides, dil []int) {
	r := x.rank()
	if r < 3 || w.rank() != r {
		fail("input rank %d and kernel rank %d: want equal ranks of at least 3", r, w.rank())
	}
	sp := r - 2
	xd = x.dims()
	kernel = n.intsAttr("kernel_shape", w.dims()[2:])
	strides = n.intsAttr("strides", ones(sp))
	dil = n.intsAttr("dilations", ones(sp))
	if len(kernel) != sp || len(strides) != sp || len(dil) != sp {
		fail("kernel_shape, strides and dilations need %d values each", sp)
	}
	return
}

// opConv is ONNX Conv: groups of 1, depthwise, or any group count
// (other than 1 or depthwise, the cpu backend runs them through simplego).
func opConv(c *converter, n *node, in []value) []value {
	x, w := in[0], in[1]
	xd, kernel, strides, dil := convGeometry(n, x, w)
	r := x.rank()
	pads := convPads(n, xd[2:], kernel, strides, dil)
	group := n.intAttr("group", 1)
	if group < 1 || xd[1]%group != 0 || w.dims()[1]*group != xd[1] {
		fail("group %d does not fit %d input channels and kernel %v", group, xd[1], w.dims())
	}
	y := graph.ConvGeneral(as(x, channelsLast(r)), as(w, kernelHWIO(r)), channelsLastConv(r),
		strides, pads, nil, dil, group, 1)
	if r == 4 && dil[0] == 1 && dil[1] == 1 {
		tagConv(y, group, xd[1], kernel, strides, pads)
	}
	if has(in, 2) {
		y = addChannelBias(y, in[2])
	}
	return []value{{n: y, perm: channelsLast(r)}}
}

// tagConv marks a 2-D convolution whose gradient grads.go computes faster
// than GoMLX: strided ones (one group), and depthwise ones whose padding is
// narrower than the kernel.
func tagConv(y *graph.Node, group, channels int, kernel, strides []int, pads [][2]int) {
	p := stridedConv{strides: strides, pads: pads}
	switch {
	case group == 1 && (strides[0] > 1 || strides[1] > 1):
		convStrides.Set(y, p)
	case group > 1 && group == channels && pads[0][0] < kernel[0] && pads[1][0] < kernel[1]:
		depthwiseConvs.Set(y, p)
	}
}

// opConvTranspose is ONNX ConvTranspose (one group), computed as the
// convolution of the input dilated by the strides with the flipped kernel.
func opConvTranspose(c *converter, n *node, in []value) []value {
	x, w := in[0], in[1]
	xd, kernel, strides, dil := convGeometry(n, x, w)
	r, sp := x.rank(), x.rank()-2
	if g := n.intAttr("group", 1); g != 1 {
		fail("group %d is not supported (only 1)", g)
	}
	if w.dims()[0] != xd[1] {
		fail("kernel %v does not fit %d input channels", w.dims(), xd[1])
	}
	outPad := n.intsAttr("output_padding", make([]int, sp))
	pads := transposedPads(n, xd[2:], kernel, strides, dil, outPad)
	// The equivalent convolution: padding k_eff-1-pad on each side (plus the
	// output padding at the end); negative amounts are cropped afterwards.
	convPad := make([][2]int, sp)
	crop := make([][2]int, sp)
	for i := range sp {
		ke := (kernel[i]-1)*dil[i] + 1
		lo, hi := ke-1-pads[i][0], ke-1-pads[i][1]+outPad[i]
		convPad[i] = [2]int{max(lo, 0), max(hi, 0)}
		crop[i] = [2]int{max(-lo, 0), max(-hi, 0)}
	}
	// [in, out, k...] → [k..., in, out], flipped. The input is dilated by
	// an interior padding rather than the convolution's input dilation,
	// which GoMLX cannot differentiate.
	kp := append(spatialAxes(2, sp), 0, 1)
	kn := reverse(as(w, kp), spatialAxes(0, sp)...)
	xn := as(x, channelsLast(r))
	padding := make([]backends.PadAxis, r)
	for i := range sp {
		padding[i+1] = backends.PadAxis{Start: convPad[i][0], End: convPad[i][1], Interior: strides[i] - 1}
	}
	xn = pad(xn, graph.ScalarZero(c.g, xn.DType()), padding...)
	y := graph.ConvGeneral(xn, kn, channelsLastConv(r), ones(sp), make([][2]int, sp), nil, dil, 1, 1)
	y = cropSpatial(y, crop)
	if has(in, 2) {
		y = addChannelBias(y, in[2])
	}
	return []value{{n: y, perm: channelsLast(r)}}
}

// transposedPads returns ConvTranspose's padding from pads, auto_pad or
// output_shape.
func transposedPads(n *node, in, kernel, strides, dil, outPad []int) [][2]int {
	sp := len(in)
	outShape := n.intsAttr("output_shape", nil)
	mode := n.stringAttr("auto_pad", "NOTSET")
	if outShape == nil && (mode == "NOTSET" || mode == "" || mode == "VALID") {
		if mode == "VALID" {
			return make([][2]int, sp)
		}
		return convPads(n, in, kernel, strides, dil)
	}
	if len(outShape) > sp {
		outShape = outShape[len(outShape)-sp:]
	}
	pads := make([][2]int, sp)
	for i := range sp {
		want := in[i] * strides[i]
		if outShape != nil {
			want = outShape[i]
		}
		total := strides[i]*(in[i]-1) + outPad[i] + (kernel[i]-1)*dil[i] + 1 - want
		if total < 0 {
			fail("output_shape %v is larger than the transposed convolution produces", outShape)
		}
		if mode == "SAME_LOWER" {
			pads[i] = [2]int{total - total/2, total / 2}
		} else {
			pads[i] = [2]int{total / 2, total - total/2}
		}
	}
	return pads
}

// cropSpatial removes crop[i] elements from both ends of spatial axis i+1.
func cropSpatial(y *graph.Node, crop [][2]int) *graph.Node {
	any := false
	specs := make([]graph.SliceAxisSpec, y.Rank())
	for a := range specs {
		specs[a] = graph.AxisRange()
	}
	for i, c := range crop {
		if c[0] != 0 || c[1] != 0 {
			any = true
			d := y.Shape().Dimensions[i+1]
			specs[i+1] = graph.AxisRange(c[0], d-c[1])
		}
	}
	if !any {
		return y
	}
	return graph.Slice(y, specs...)
}

// opBatchNorm is BatchNormalization in inference mode, with the exported
// running statistics (never the batch's), as x·a + b with a = scale /
// sqrt(var + ε) and b = bias − mean·a per channel. The statistics get no
// gradient.
func opBatchNorm(c *converter, n *node, in []value) []value {
	x := in[0]
	if x.rank() < 2 {
		fail("input rank %d, want at least 2", x.rank())
	}
	eps := float64(n.floatAttr("epsilon", 1e-5))
	mean := graph.StopGradient(logical(in[3]))
	variance := graph.StopGradient(logical(in[4]))
	a := graph.Mul(logical(in[1]), graph.Rsqrt(graph.AddScalar(variance, eps)))
	b := graph.Sub(logical(in[2]), graph.Mul(mean, a))
	dims := ones(x.rank())
	dims[1] = x.dims()[1]
	perChannel := func(p *graph.Node) *graph.Node {
		return as(plain(graph.Reshape(p, dims...)), x.perm)
	}
	y := graph.Add(graph.Mul(x.n, perChannel(a)), perChannel(b))
	return []value{{n: y, perm: x.perm}}
}

// poolGeometry reads a pooling node's window, strides, padding (with the
// extra end padding ceil_mode needs) and the explicit padding alone.
func poolGeometry(n *node, in []int) (kernel, strides []int, pads, explicit [][2]int) {
	sp := len(in)
	kernel = n.intsAttr("kernel_shape", nil)
	if len(kernel) != sp {
		fail("kernel_shape %v: want %d values", kernel, sp)
	}
	strides = n.intsAttr("strides", ones(sp))
	dil := n.intsAttr("dilations", ones(sp))
	for _, d := range dil {
		if d != 1 {
			fail("dilations %v are not supported", dil)
		}
	}
	explicit = convPads(n, in, kernel, strides, dil)
	pads = make([][2]int, sp)
	copy(pads, explicit)
	if n.intAttr("ceil_mode", 0) != 0 {
		for i := range sp {
			span := in[i] + pads[i][0] + pads[i][1]
			out := (span-kernel[i]+strides[i]-1)/strides[i] + 1
			if (out-1)*strides[i] >= in[i]+pads[i][0] {
				out-- // the last window must start inside the input or its left padding
			}
			pads[i][1] += max(0, (out-1)*strides[i]+kernel[i]-span)
		}
	}
	return
}

// window returns a rank-r channels-last window configuration.
func window(spatial []int, fill int) []int {
	w := append([]int{fill}, spatial...)
	return append(w, fill)
}

// windowPads returns the rank-r padding of a channels-last window op.
func windowPads(pads [][2]int) [][2]int {
	p := append([][2]int{{0, 0}}, pads...)
	return append(p, [2]int{0, 0})
}

// opMaxPool is MaxPool (its Indices output is not supported).
func opMaxPool(c *converter, n *node, in []value) []value {
	x := in[0]
	r := x.rank()
	if r < 3 {
		fail("input rank %d, want at least 3", r)
	}
	kernel, strides, pads, _ := poolGeometry(n, x.dims()[2:])
	y := graph.BackendReduceWindow(as(x, channelsLast(r)), backends.ReduceOpMax,
		window(kernel, 1), window(strides, 1), nil, nil, windowPads(pads))
	return []value{{n: y, perm: channelsLast(r)}}
}

// opAveragePool is AveragePool: a windowed sum divided by the number of
// elements each window counts (the padding included or not, per
// count_include_pad; the extra padding of ceil_mode never counted).
func opAveragePool(c *converter, n *node, in []value) []value {
	x := in[0]
	r := x.rank()
	if r < 3 {
		fail("input rank %d, want at least 3", r)
	}
	dims := x.dims()[2:]
	kernel, strides, pads, explicit := poolGeometry(n, dims)
	sum := graph.BackendReduceWindow(as(x, channelsLast(r)), backends.ReduceOpSum,
		window(kernel, 1), window(strides, 1), nil, nil, windowPads(pads))
	includePad := n.intAttr("count_include_pad", 0) != 0
	out := sum.Shape().Dimensions[1 : r-1]
	counts := make([][]float32, len(dims))
	for i := range dims {
		lo, hi := 0, dims[i]
		if includePad {
			lo, hi = -explicit[i][0], dims[i]+explicit[i][1]
		}
		counts[i] = make([]float32, out[i])
		for o := range out[i] {
			start := o*strides[i] - pads[i][0]
			counts[i][o] = float32(max(0, min(start+kernel[i], hi)-max(start, lo)))
		}
	}
	div := outerProduct(counts)
	t := tensors.FromFlatDataAndDimensions(div, window(out, 1)...)
	y := graph.Div(sum, graph.ConvertDType(graph.Const(c.g, t), sum.DType()))
	return []value{{n: y, perm: channelsLast(r)}}
}

// outerProduct returns the row-major outer product of the vectors.
func outerProduct(vs [][]float32) []float32 {
	out := []float32{1}
	for _, v := range vs {
		next := make([]float32, 0, len(out)*len(v))
		for _, a := range out {
			for _, b := range v {
				next = append(next, a*b)
			}
		}
		out = next
	}
	return out
}

// globalPool makes GlobalAveragePool and GlobalMaxPool: a reduction over
// the spatial axes, kept as axes of 1.
func globalPool(reduce func(x *graph.Node, axes ...int) *graph.Node) opFunc {
	return func(c *converter, n *node, in []value) []value {
		x := in[0]
		r := x.rank()
		if r < 3 {
			fail("input rank %d, want at least 3", r)
		}
		y := graph.ReduceAndKeep(as(x, channelsLast(r)), reduce, spatialAxes(1, r-2)...)
		return []value{{n: y, perm: channelsLast(r)}}
	}
}

// opGemm is alpha·A'·B' + beta·C, with A' and B' optionally transposed.
func opGemm(c *converter, n *node, in []value) []value {
	a, b := logical(in[0]), logical(in[1])
	if a.Rank() != 2 || b.Rank() != 2 {
		fail("A and B must be matrices, got ranks %d and %d", a.Rank(), b.Rank())
	}
	ac, bc := 1, 0
	if n.intAttr("transA", 0) != 0 {
		ac = 0
	}
	if n.intAttr("transB", 0) != 0 {
		bc = 1
	}
	y := graph.DotGeneral(a, []int{ac}, nil, b, []int{bc}, nil)
	if alpha := n.floatAttr("alpha", 1); alpha != 1 {
		y = graph.MulScalar(y, float64(alpha))
	}
	if has(in, 2) {
		cn := logical(in[2])
		if beta := n.floatAttr("beta", 1); beta != 1 {
			cn = graph.MulScalar(cn, float64(beta))
		}
		y = graph.Add(y, graph.ExpandLeftToRank(cn, 2))
	}
	return []value{plain(y)}
}

// opMatMul is NumPy's matmul.
func opMatMul(c *converter, n *node, in []value) []value {
	return []value{plain(graph.MatMul(logical(in[0]), logical(in[1])))}
}

// softmax makes Softmax and LogSoftmax: over one axis from opset 13, over
// the flattened axes from axis on before.
func softmax(f func(x *graph.Node, axes ...int) *graph.Node) opFunc {
	return func(c *converter, n *node, in []value) []value {
		x := logical(in[0])
		if c.m.opset >= 13 {
			return []value{plain(f(x, normAxis(n.intAttr("axis", -1), x.Rank())))}
		}
		axis := normAxis(n.intAttr("axis", 1), x.Rank())
		dims := x.Shape().Dimensions
		outer := 1
		for _, d := range dims[:axis] {
			outer *= d
		}
		y := f(graph.Reshape(x, outer, -1), 1)
		return []value{plain(graph.Reshape(y, dims...))}
	}
}

// opLayerNorm normalises over the axes from axis on, then scales and shifts.
func opLayerNorm(c *converter, n *node, in []value) []value {
	x := logical(in[0])
	r := x.Rank()
	axis := normAxis(n.intAttr("axis", -1), r)
	axes := spatialAxes(axis, r-axis)
	eps := float64(n.floatAttr("epsilon", 1e-5))
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, axes...)
	xc := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Mul(xc, xc), graph.ReduceMean, axes...)
	y := graph.Mul(xc, graph.Rsqrt(graph.AddScalar(variance, eps)))
	y = graph.Mul(y, graph.ExpandLeftToRank(logical(in[1]), r))
	if has(in, 2) {
		y = graph.Add(y, graph.ExpandLeftToRank(logical(in[2]), r))
	}
	return []value{plain(y)}
}

// floatConst returns a float32 constant tensor of the given dims.
func floatConst(g *graph.Graph, data []float32, dims ...int) *graph.Node {
	return graph.Const(g, tensors.FromFlatDataAndDimensions(data, dims...))
}

// asDType converts x to dt when it differs.
func asDType(x *graph.Node, dt dtypes.DType) *graph.Node {
	if x.DType() == dt {
		return x
	}
	return graph.ConvertDType(x, dt)
}
