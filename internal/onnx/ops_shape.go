package onnx

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// opShape returns the (ONNX) dimensions of its input as an int64 constant.
func opShape(c *converter, n *node, in []value) []value {
	d := in[0].dims()
	r := len(d)
	start, end := n.intAttr("start", 0), n.intAttr("end", r)
	clampAxis := func(a int) int {
		if a < 0 {
			a += r
		}
		return min(max(a, 0), r)
	}
	start, end = clampAxis(start), clampAxis(end)
	out := []int64{}
	for _, v := range d[start:max(start, end)] {
		out = append(out, int64(v))
	}
	return []value{plain(graph.Const(c.g, out))}
}

// opSize returns the number of elements of its input.
func opSize(c *converter, n *node, in []value) []value {
	return []value{plain(graph.Const(c.g, int64(in[0].n.Shape().Size())))}
}

// opConstant is a Constant node's value.
func opConstant(c *converter, n *node, in []value) []value {
	for name, a := range n.attrs {
		switch name {
		case "value":
			t, err := decodeTensor(a.t)
			if err != nil {
				fail("value: %v", err)
			}
			return []value{plain(graph.Const(c.g, t))}
		case "value_float":
			return []value{plain(graph.Const(c.g, a.f))}
		case "value_floats":
			return []value{plain(graph.Const(c.g, a.floats))}
		case "value_int":
			return []value{plain(graph.Const(c.g, a.i))}
		case "value_ints":
			return []value{plain(graph.Const(c.g, a.ints))}
		}
	}
	fail("no supported value attribute (value, value_float(s), value_int(s))")
	return nil
}

// opCast converts to the dtype of attribute to.
func opCast(c *converter, n *node, in []value) []value {
	dt, err := onnxDType(int32(n.intAttr("to", 0)))
	if err != nil {
		fail("to: %v", err)
	}
	return []value{{n: asDType(in[0].n, dt), perm: in[0].perm}}
}

// opReshape is Reshape: 0 copies the input's dimension (unless allowzero),
// -1 takes the rest. When the model was exported with a fixed batch size and
// the target starts with it, the batch being built is used instead.
func opReshape(c *converter, n *node, in []value) []value {
	x := in[0]
	d := x.dims()
	target := staticInts(in, 1, "shape")
	allowZero := n.intAttr("allowzero", 0) != 0
	out := make([]int, len(target))
	for i, t := range target {
		out[i] = t
		if t == 0 && !allowZero {
			if i >= len(d) {
				fail("shape %v copies axis %d of a rank-%d input", target, i, len(d))
			}
			out[i] = d[i]
		}
	}
	if fb := c.m.fixedBatch(); fb > 0 && c.batch != fb && len(out) > 0 && len(d) > 0 &&
		out[0] == fb && d[0] == c.batch {
		out[0] = c.batch
	}
	return []value{plain(reshape(logical(x), out))}
}

// reshape reshapes with at most one -1, failing with the shapes when the
// sizes do not match.
func reshape(x *graph.Node, dims []int) *graph.Node {
	size, known, unknown := x.Shape().Size(), 1, -1
	for i, v := range dims {
		switch {
		case v == -1 && unknown < 0:
			unknown = i
		case v < 0:
			fail("shape %v has an invalid dimension", dims)
		default:
			known *= v
		}
	}
	dims = slices.Clone(dims)
	if unknown >= 0 {
		if known == 0 || size%known != 0 {
			fail("cannot reshape %v to %v", x.Shape().Dimensions, dims)
		}
		dims[unknown] = size / known
	} else if known != size {
		fail("cannot reshape %v (%d values) to %v", x.Shape().Dimensions, size, dims)
	}
	return graph.Reshape(x, dims...)
}

// opFlatten reshapes to [prod(dims[:axis]), prod(dims[axis:])]. A
// channels-last image whose spatial axes are all 1 (after global pooling)
// is reshaped without a transposition.
func opFlatten(c *converter, n *node, in []value) []value {
	x := in[0]
	d := x.dims()
	axis := n.intAttr("axis", 1)
	if axis < 0 {
		axis += len(d)
	}
	if axis < 0 || axis > len(d) {
		fail("axis %d out of range for rank %d", n.intAttr("axis", 1), len(d))
	}
	outer := 1
	for _, v := range d[:axis] {
		outer *= v
	}
	src := as(x, nil)
	if x.perm != nil && axis == 1 && slices.Equal(x.perm, channelsLast(len(d))) {
		spatial := 1
		for _, v := range d[2:] {
			spatial *= v
		}
		if spatial == 1 {
			src = x.n
		}
	}
	return []value{plain(graph.Reshape(src, outer, x.n.Shape().Size()/max(outer, 1)))}
}

// opTranspose permutes axes; when the result is the input's storage seen in
// another layout, no data moves.
func opTranspose(c *converter, n *node, in []value) []value {
	x := in[0]
	r := x.rank()
	perm := n.intsAttr("perm", nil)
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	if len(perm) != r {
		fail("perm %v for a rank-%d input", perm, r)
	}
	// Output axis i is logical input axis perm[i], stored at node axis
	// inv(x.perm)[perm[i]]: the output is the node seen through q, with
	// node = transpose(out, inverse(q)).
	from := x.perm
	if from == nil {
		from = identity(r)
	}
	inv := inverse(from)
	q := make([]int, r)
	for i, p := range perm {
		q[i] = inv[normAxis(p, r)]
	}
	stored := inverse(q)
	if isIdentity(stored) {
		return []value{plain(x.n)}
	}
	if r >= 3 && slices.Equal(stored, channelsLast(r)) {
		return []value{{n: x.n, perm: stored}}
	}
	return []value{plain(graph.TransposeAllAxes(x.n, q...))}
}

// opConcat concatenates along axis; channels-last inputs joined along the
// channel or a spatial axis stay channels-last.
func opConcat(c *converter, n *node, in []value) []value {
	r := in[0].rank()
	axis := normAxis(n.intAttr("axis", 0), max(r, 1))
	cl := r >= 3
	for _, v := range in {
		cl = cl && v.perm != nil && slices.Equal(v.perm, channelsLast(r))
	}
	nodes := make([]*graph.Node, len(in))
	for i, v := range in {
		if cl {
			nodes[i] = v.n
		} else {
			nodes[i] = logical(v)
		}
	}
	if !cl {
		return []value{plain(graph.Concatenate(nodes, axis))}
	}
	return []value{{n: graph.Concatenate(nodes, inverse(channelsLast(r))[axis]), perm: channelsLast(r)}}
}

// axesFrom returns the axes of an op given as an attribute before
// sinceOpset and as input 1 from it on.
func axesFrom(c *converter, n *node, in []value, sinceOpset int) []int {
	if c.m.opset < sinceOpset {
		return n.intsAttr("axes", nil)
	}
	if !has(in, 1) {
		return nil
	}
	return staticInts(in, 1, "axes")
}

// opSqueeze removes the given axes of 1 (all of them when none are given).
func opSqueeze(c *converter, n *node, in []value) []value {
	x := logical(in[0])
	d := x.Shape().Dimensions
	axes := axesFrom(c, n, in, 13)
	drop := map[int]bool{}
	for _, a := range axes {
		a = normAxis(a, len(d))
		if d[a] != 1 {
			fail("cannot squeeze axis %d of %v", a, d)
		}
		drop[a] = true
	}
	var out []int
	for i, v := range d {
		if !(drop[i] || len(axes) == 0 && v == 1) {
			out = append(out, v)
		}
	}
	return []value{plain(graph.Reshape(x, out...))}
}

// opUnsqueeze inserts axes of 1 at the given output positions.
func opUnsqueeze(c *converter, n *node, in []value) []value {
	x := logical(in[0])
	d := x.Shape().Dimensions
	axes := axesFrom(c, n, in, 13)
	r := len(d) + len(axes)
	ins := map[int]bool{}
	for _, a := range axes {
		ins[normAxis(a, r)] = true
	}
	out, k := make([]int, r), 0
	for i := range r {
		if ins[i] {
			out[i] = 1
		} else {
			out[i] = d[k]
			k++
		}
	}
	return []value{plain(graph.Reshape(x, out...))}
}

// reduce makes ReduceMean/Sum/Max/Min, whose axes become an input at
// sinceOpset. A channels-last image reduced over its spatial axes keeps its
// layout with keepdims, and comes out as plain [N, C] without.
func reduce(f func(x *graph.Node, axes ...int) *graph.Node, sinceOpset int) opFunc {
	return func(c *converter, n *node, in []value) []value {
		x := in[0]
		r := x.rank()
		axes := axesFrom(c, n, in, sinceOpset)
		if len(axes) == 0 {
			if n.intAttr("noop_with_empty_axes", 0) != 0 {
				return []value{x}
			}
			axes = identity(r)
		}
		keep := n.intAttr("keepdims", 1) != 0
		logicalAxes := make([]int, len(axes))
		for i, a := range axes {
			logicalAxes[i] = normAxis(a, r)
		}
		slices.Sort(logicalAxes)
		if x.perm != nil && slices.Equal(x.perm, channelsLast(r)) {
			spatialOnly := slices.Equal(logicalAxes, spatialAxes(2, r-2))
			if keep || spatialOnly {
				phys := make([]int, len(logicalAxes))
				for i, a := range logicalAxes {
					phys[i] = inverse(x.perm)[a]
				}
				if keep {
					return []value{{n: graph.ReduceAndKeep(x.n, f, phys...), perm: x.perm}}
				}
				return []value{plain(f(x.n, phys...))}
			}
		}
		xl := logical(x)
		if keep {
			return []value{plain(graph.ReduceAndKeep(xl, f, logicalAxes...))}
		}
		return []value{plain(f(xl, logicalAxes...))}
	}
}

// opPad pads with a constant (mode constant only).
func opPad(c *converter, n *node, in []value) []value {
	if mode := n.stringAttr("mode", "constant"); mode != "constant" {
		fail("mode %q is not supported (only constant)", mode)
	}
	x := in[0]
	r := x.rank()
	var pads []int
	var fill *graph.Node
	if c.m.opset < 11 {
		pads = n.intsAttr("pads", nil)
		fill = graph.Scalar(c.g, x.n.DType(), float64(n.floatAttr("value", 0)))
	} else {
		pads = staticInts(in, 1, "pads")
		if has(in, 2) {
			fill = graph.Reshape(asDType(logical(in[2]), x.n.DType()))
		} else {
			fill = graph.Scalar(c.g, x.n.DType(), 0)
		}
	}
	axes := identity(r)
	if has(in, 3) {
		axes = staticInts(in, 3, "axes")
	}
	if len(pads) != 2*len(axes) {
		fail("pads has %d values for %d axes", len(pads), len(axes))
	}
	cfg := make([]backends.PadAxis, r)
	physAxis := identity(r)
	if x.perm != nil {
		physAxis = inverse(x.perm)
	}
	for i, a := range axes {
		a = normAxis(a, r)
		cfg[physAxis[a]] = backends.PadAxis{Start: pads[i], End: pads[i+len(axes)]}
	}
	return []value{{n: pad(x.n, fill, cfg...), perm: x.perm}}
}

// opGather takes the entries of data's axis at indices (negative ones
// counting from the end): data[..., indices..., ...].
func opGather(c *converter, n *node, in []value) []value {
	data, idx := logical(in[0]), logical(in[1])
	r, ir := data.Rank(), idx.Rank()
	axis := normAxis(n.intAttr("axis", 0), r)
	dim := graph.Scalar(c.g, idx.DType(), float64(data.Shape().Dimensions[axis]))
	idx = graph.Where(graph.LessThan(idx, graph.ZerosLike(idx)), graph.Add(idx, graph.BroadcastToDims(dim, idx.Shape().Dimensions...)), idx)
	front := append([]int{axis}, slices.Delete(identity(r), axis, axis+1)...)
	moved := data
	if axis != 0 {
		moved = graph.TransposeAllAxes(data, front...)
	}
	y := graph.Gather(moved, graph.ExpandAxes(idx, -1)) // [idx..., data without axis...]
	if axis == 0 {
		return []value{plain(y)}
	}
	perm := make([]int, 0, y.Rank())
	for j := range axis {
		perm = append(perm, ir+j)
	}
	for j := range ir {
		perm = append(perm, j)
	}
	for j := ir + axis; j < y.Rank(); j++ {
		perm = append(perm, j)
	}
	return []value{plain(graph.TransposeAllAxes(y, perm...))}
}
