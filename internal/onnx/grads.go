package onnx

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/exp-runner/exp/internal/grads"
)

// GoMLX v0.26 has no gradient for Pad and Reverse: the ones this package
// makes (ONNX Pad, the dilated input and the flipped kernel of
// ConvTranspose) are tagged, and their gradients registered here; other
// Pads and Reverses go to the gradients registered before.
func init() {
	graph.VJPRegistration[graph.NodeTypePad] = padVJP(graph.VJPRegistration[graph.NodeTypePad])
	graph.VJPRegistration[graph.NodeTypeReverse] = reverseVJP(graph.VJPRegistration[graph.NodeTypeReverse])
	if _, ok := graph.VJPRegistration[graph.NodeTypeExpm1]; !ok {
		graph.VJPRegistration[graph.NodeTypeExpm1] = expm1VJP
	}
}

// expm1VJP is the gradient of y = exp(x) − 1, which GoMLX v0.26 lacks:
// dy/dx = exp(x) = y + 1.
func expm1VJP(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
	return []*graph.Node{graph.Mul(vjps[0], graph.OnePlus(node))}
}

// padConfigs are the paddings of the Pads pad made.
var padConfigs grads.NodeMeta[[]backends.PadAxis]

// pad pads x with fill (a scalar) and tags the node for padVJP. Negative
// padding (cropping) is not differentiable here and is refused.
func pad(x, fill *graph.Node, cfg ...backends.PadAxis) *graph.Node {
	for _, p := range cfg {
		if p.Start < 0 || p.End < 0 || p.Interior < 0 {
			fail("negative padding %v is not supported", cfg)
		}
	}
	if !grads.Has(x.Graph(), backends.OpTypePad) {
		pads := make([][2]int, len(cfg))
		for i, p := range cfg {
			if p.Interior != 0 {
				fail("the %s backend has no Pad, which this op needs", x.Graph().Backend().Name())
			}
			pads[i] = [2]int{p.Start, p.End}
		}
		if fill.Type() != graph.NodeTypeConstant || !fill.ConstantValue().IsScalar() ||
			fmt.Sprint(fill.ConstantValue().Value()) != "0" {
			fail("the %s backend has no Pad, which padding with a value other than 0 needs", x.Graph().Backend().Name())
		}
		return grads.Pad(x, pads...)
	}
	y := graph.Pad(x, fill, cfg...)
	padConfigs.Set(y, cfg)
	return y
}

// reverseAxes are the axes of the Reverses reverse made.
var reverseAxes grads.NodeMeta[[]int]

// reverse reverses x along axes, tagging the node for reverseVJP (by
// slicing and concatenation on backends without Reverse).
func reverse(x *graph.Node, axes ...int) *graph.Node {
	if !grads.Has(x.Graph(), backends.OpTypeReverse) {
		return grads.Reverse(x, axes...)
	}
	y := graph.Reverse(x, axes...)
	reverseAxes.Set(y, axes)
	return y
}

// reverseVJP returns the gradient of a Reverse made by reverse: the
// output's gradient reversed back.
func reverseVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		axes, ok := reverseAxes.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			if orig == nil {
				panic(fmt.Sprintf("no gradient for %s", node))
			}
			return orig(node, vjps, outputShape)
		}
		return []*graph.Node{graph.Reverse(vjps[0], axes...)}
	}
}

// padVJP returns the gradient of a Pad made by pad: the output's gradient
// at the positions x went to (a strided slice); the fill value's gradient is
// the sum over the padded positions.
func padVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		cfg, ok := padConfigs.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			if orig == nil {
				panic(fmt.Sprintf("no gradient for %s", node))
			}
			return orig(node, vjps, outputShape)
		}
		v := vjps[0]
		x := node.Inputs()[0]
		spec := make([]graph.SliceAxisSpec, v.Rank())
		for i := range spec {
			spec[i] = graph.AxisRange()
			if i < len(cfg) {
				p := cfg[i]
				end := p.Start + (x.Shape().Dimensions[i]-1)*(p.Interior+1) + 1
				spec[i] = graph.AxisRange(p.Start, end).Stride(p.Interior + 1)
			}
		}
		dx := graph.Slice(v, spec...)
		dFill := graph.Sub(graph.ReduceAllSum(v), graph.ReduceAllSum(dx))
		return []*graph.Node{dx, graph.ConvertDType(dFill, node.Inputs()[1].DType())}
	}
}

// convStrides are the strides and paddings of the strided 2-D convolutions
// opConv made (channels-last input, [kh, kw, in, out] kernel, one group, no
// dilation).
var convStrides grads.NodeMeta[stridedConv]

type stridedConv struct {
	strides []int
	pads    [][2]int
}

func init() {
	graph.VJPRegistration[graph.NodeTypeConvGeneral] = stridedConvVJP(graph.VJPRegistration[graph.NodeTypeConvGeneral])
}

// stridedConvVJP returns the gradients of a convolution tagged in
// convStrides; others go to orig. GoMLX's input gradient of a strided
// convolution convolves the output gradient dilated by the strides (s²
// times the work, mostly zeros, for strides s); here each of the s² phases
// of the input is a small stride-1 convolution with the kernel taps that
// reach it, and the phases are interleaved.
func stridedConvVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		p, ok := convStrides.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		x, k, v := node.Inputs()[0], node.Inputs()[1], vjps[0]
		return []*graph.Node{stridedInputGrad(x, k, v, p), stridedKernelGrad(x, k, v, p)}
	}
}

// stridedInputGrad returns dx[b, y, x, c] = Σ v[b, i, j, o]·k[p, q, c, o] over
// y + padTop = i·sh + p, x + padLeft = j·sw + q. In padded coordinates,
// row y' = a·sh + ry takes the taps p = ry + sh·t from v row a − t: a
// stride-1 convolution of v with those taps flipped.
func stridedInputGrad(x, k, v *graph.Node, p stridedConv) *graph.Node {
	xd, kd, vd := x.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions
	sh, sw := p.strides[0], p.strides[1]
	hp := xd[1] + p.pads[0][0] + p.pads[0][1]
	wp := xd[2] + p.pads[1][0] + p.pads[1][1]
	qy, qx := (hp+sh-1)/sh, (wp+sw-1)/sw
	axes := backends.ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 3, KernelOutputChannels: 2,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
	}
	rows := make([]*graph.Node, sh)
	for ry := range sh {
		cols := make([]*graph.Node, sw)
		for rx := range sw {
			ty, tx := taps(kd[0], ry, sh), taps(kd[1], rx, sw)
			var ph *graph.Node
			if ty == 0 || tx == 0 {
				ph = graph.Zeros(x.Graph(), shapes.Make(x.DType(), xd[0], qy, qx, xd[3]))
			} else {
				sub := graph.Slice(k, graph.AxisRange(ry, kd[0]).Stride(sh), graph.AxisRange(rx, kd[1]).Stride(sw),
					graph.AxisRange(), graph.AxisRange())
				sub = graph.Reverse(sub, 0, 1)
				pads := [][2]int{{ty - 1, qy - vd[1]}, {tx - 1, qx - vd[2]}}
				ph = graph.ConvGeneral(v, sub, axes, []int{1, 1}, pads, nil, []int{1, 1}, 1, 1)
			}
			cols[rx] = graph.Reshape(ph, xd[0], qy, qx, 1, xd[3])
		}
		rows[ry] = graph.Reshape(graph.Concatenate(cols, 3), xd[0], qy, 1, qx, sw, xd[3])
	}
	full := graph.Reshape(graph.Concatenate(rows, 2), xd[0], qy*sh, qx*sw, xd[3])
	return graph.Slice(full, graph.AxisRange(), graph.AxisRange(p.pads[0][0], p.pads[0][0]+xd[1]),
		graph.AxisRange(p.pads[1][0], p.pads[1][0]+xd[2]), graph.AxisRange())
}

// taps returns how many of a kernel axis' k taps are ≡ r (mod s).
func taps(k, r, s int) int {
	if r >= k {
		return 0
	}
	return (k - r + s - 1) / s
}

// stridedKernelGrad returns dk[p, q, c, o] = Σ_{b,i,j} xpad[b, i·sh+p, j·sw+q, c]·v[b, i, j, o]:
// a convolution of x with batch and channel axes swapped by v dilated by
// the strides. Rows and columns of x past the last window are sliced off.
func stridedKernelGrad(x, k, v *graph.Node, p stridedConv) *graph.Node {
	xd, kd, vd := x.Shape().Dimensions, k.Shape().Dimensions, v.Shape().Dimensions
	pads := make([][2]int, 2)
	for i := range 2 {
		// The padded rows the windows read: (out−1)·s + k; past them, x is cut.
		used := (vd[1+i]-1)*p.strides[i] + kd[i]
		after := used - xd[1+i] - p.pads[i][0]
		if after < 0 {
			x = graph.SliceAxis(x, 1+i, graph.AxisRange(0, xd[1+i]+after))
			after = 0
		}
		pads[i] = [2]int{p.pads[i][0], after}
	}
	axes := backends.ConvolveAxesConfig{
		InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1},
	}
	return graph.ConvGeneral(x, v, axes, []int{1, 1}, pads, nil, p.strides, 1, 1)
}

// depthwiseConvs are the strides and paddings of the depthwise 2-D
// convolutions opConv made (one group per input channel, kernel
// [kh, kw, 1, c·m], no dilation).
var depthwiseConvs grads.NodeMeta[stridedConv]

func init() {
	graph.VJPRegistration[graph.NodeTypeConvGeneral] = depthwiseVJP(graph.VJPRegistration[graph.NodeTypeConvGeneral])
}

// depthwiseVJP returns the gradients of a convolution tagged in
// depthwiseConvs; others go to orig. GoMLX differentiates a grouped
// convolution group by group (one small convolution per channel); here both
// gradients are computed for all channels at once: the input's as a
// depthwise convolution, the kernel's as one product and sum per tap.
func depthwiseVJP(orig graph.VJP) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		p, ok := depthwiseConvs.Get(node)
		if !ok || len(outputShape.Dimensions) != 0 {
			return orig(node, vjps, outputShape)
		}
		x, k, v := node.Inputs()[0], node.Inputs()[1], vjps[0]
		g := grads.Depthwise2D{Strides: [2]int(p.strides), Pads: [2][2]int(p.pads)}
		return []*graph.Node{grads.DepthwiseInputGrad(x, k, v, g), grads.DepthwiseKernelGrad(x, k, v, g)}
	}
}
