package onnx

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// opResize is Resize in modes nearest and linear, for any coordinate
// transformation: each resized axis is multiplied by an [out, in]
// interpolation matrix worked out when the graph is built (one 1 per row for
// nearest, two weights for linear), which keeps the op differentiable and
// exact. Cubic interpolation and antialiasing are not supported.
func opResize(c *converter, n *node, in []value) []value {
	x := in[0]
	r := x.rank()
	d := x.dims()
	mode := n.stringAttr("mode", "nearest")
	if mode != "nearest" && mode != "linear" {
		fail("mode %q is not supported (nearest and linear are)", mode)
	}
	if n.intAttr("antialias", 0) != 0 {
		fail("antialias is not supported")
	}
	if _, ok := n.attrs["axes"]; ok {
		fail("the axes attribute is not supported")
	}
	coord := n.stringAttr("coordinate_transformation_mode", "half_pixel")
	if coord == "tf_crop_and_resize" {
		fail("coordinate_transformation_mode tf_crop_and_resize is not supported")
	}
	nearest := n.stringAttr("nearest_mode", "round_prefer_floor")
	outDims, scales := resizeTargets(in, d)
	y := x.n
	physAxis := identity(r)
	if x.perm != nil {
		physAxis = inverse(x.perm)
	}
	for a := range r {
		if outDims[a] == d[a] && scales[a] == 1 {
			continue
		}
		if a < 2 && r >= 3 {
			fail("resizing axis %d (batch or channels) is not supported", a)
		}
		m := interpolation(d[a], outDims[a], scales[a], mode, coord, nearest)
		y = resizeAxis(c.g, y, physAxis[a], m, d[a], outDims[a])
	}
	return []value{{n: y, perm: x.perm}}
}

// resizeTargets returns the output dimensions and the scale of each axis,
// from input 2 (scales) or input 3 (sizes).
func resizeTargets(in []value, d []int) ([]int, []float64) {
	r := len(d)
	out := make([]int, r)
	scales := make([]float64, r)
	switch {
	case has(in, 3) && in[3].n.Shape().Size() > 0:
		sizes := staticInts(in, 3, "sizes")
		if len(sizes) != r {
			fail("sizes has %d values for rank %d", len(sizes), r)
		}
		for a := range r {
			out[a] = sizes[a]
			scales[a] = float64(sizes[a]) / float64(d[a])
		}
	case has(in, 2) && in[2].n.Shape().Size() > 0:
		s := staticFloats(in, 2, "scales")
		if len(s) != r {
			fail("scales has %d values for rank %d", len(s), r)
		}
		for a := range r {
			scales[a] = s[a]
			out[a] = int(math.Floor(float64(d[a]) * s[a]))
		}
	default:
		fail("neither scales nor sizes is given")
	}
	for a := range r {
		if out[a] < 1 {
			fail("resizing axis %d of %d to %d", a, d[a], out[a])
		}
	}
	return out, scales
}

// interpolation returns the row-major [out, in] matrix of weights.
func interpolation(in, out int, scale float64, mode, coord, nearest string) []float32 {
	m := make([]float32, out*in)
	for o := range out {
		src := sourceCoord(float64(o), in, out, scale, coord)
		if mode == "nearest" {
			i := roundNearest(src, nearest)
			m[o*in+min(max(i, 0), in-1)] = 1
			continue
		}
		src = min(max(src, 0), float64(in-1))
		i0 := int(math.Floor(src))
		i1 := min(i0+1, in-1)
		w1 := float32(src - float64(i0))
		m[o*in+i0] += 1 - w1
		m[o*in+i1] += w1
	}
	return m
}

// sourceCoord maps an output coordinate to the input, per ONNX's
// coordinate_transformation_mode.
func sourceCoord(x float64, in, out int, scale float64, coord string) float64 {
	switch coord {
	case "half_pixel":
		return (x+0.5)/scale - 0.5
	case "pytorch_half_pixel":
		if out > 1 {
			return (x+0.5)/scale - 0.5
		}
		return 0
	case "align_corners":
		if out == 1 {
			return 0
		}
		return x * float64(in-1) / float64(out-1)
	case "asymmetric":
		return x / scale
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale
	case "half_pixel_symmetric":
		adj := float64(out) / (scale * float64(in))
		center := float64(in) / 2
		offset := center * (1 - adj)
		return offset + (x+0.5)/scale - 0.5
	}
	fail("coordinate_transformation_mode %q is not supported", coord)
	return 0
}

// roundNearest rounds a source coordinate per ONNX's nearest_mode.
func roundNearest(x float64, mode string) int {
	switch mode {
	case "round_prefer_floor":
		if x-math.Floor(x) == 0.5 {
			return int(math.Floor(x))
		}
		return int(math.Round(x))
	case "round_prefer_ceil":
		return int(math.Floor(x + 0.5))
	case "floor":
		return int(math.Floor(x))
	case "ceil":
		return int(math.Ceil(x))
	}
	fail("nearest_mode %q is not supported", mode)
	return 0
}

// resizeAxis multiplies axis of y by the [out, in] matrix m: a product over
// that axis, whose new axis (last) is moved back in place.
func resizeAxis(g *graph.Graph, y *graph.Node, axis int, m []float32, in, out int) *graph.Node {
	mat := asDType(floatConst(g, m, out, in), y.DType())
	z := graph.DotGeneral(y, []int{axis}, nil, mat, []int{1}, nil) // [rest..., out]
	r := y.Rank()
	perm := make([]int, 0, r)
	for i := range r - 1 {
		if i == axis {
			perm = append(perm, r-1)
		}
		perm = append(perm, i)
	}
	if axis == r-1 {
		perm = append(perm, r-1)
	}
	return graph.TransposeAllAxes(z, perm...)
}
