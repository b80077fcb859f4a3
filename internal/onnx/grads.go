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
