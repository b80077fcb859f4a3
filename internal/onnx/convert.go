package onnx

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	ox "github.com/gomlx/onnx-gomlx/onnx"
)

// value is a converted tensor. perm, when not nil, says how the GoMLX node
// stores it: node = transpose(onnxTensor, perm). Images are kept
// channels-last ([N, H, W, C] for ONNX's [N, C, H, W], perm [0, 2, 3, 1])
// from the first convolution to the last op that needs them channels-first,
// because the cpu backend's convolutions and pooling are channels-last;
// convolution kernels are stored as [kh, kw, in, out] (perm [2, 3, 1, 0]).
type value struct {
	n    *graph.Node
	perm []int
}

// dims returns the ONNX (logical) dimensions of v.
func (v value) dims() []int {
	d := v.n.Shape().Dimensions
	if v.perm == nil {
		return slices.Clone(d)
	}
	out := make([]int, len(d))
	for i, p := range v.perm {
		out[p] = d[i]
	}
	return out
}

// rank returns v's rank.
func (v value) rank() int { return v.n.Rank() }

// isIdentity tells whether perm leaves every axis in place.
func isIdentity(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}

// channelsLast returns the permutation storing a rank-r channels-first
// tensor channels-last: [0, 2, ..., r-1, 1].
func channelsLast(r int) []int {
	p := []int{0}
	for i := 2; i < r; i++ {
		p = append(p, i)
	}
	return append(p, 1)
}

// kernelHWIO returns the permutation storing an ONNX convolution kernel
// [out, in, k...] as [k..., in, out].
func kernelHWIO(r int) []int {
	p := []int{}
	for i := 2; i < r; i++ {
		p = append(p, i)
	}
	return append(p, 1, 0)
}

// inverse returns the inverse permutation.
func inverse(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}

// as returns v's node stored in the layout perm (nil: the ONNX layout),
// transposing when v is stored differently.
func as(v value, perm []int) *graph.Node {
	r := v.rank()
	from := v.perm
	if from == nil {
		from = identity(r)
	}
	to := perm
	if to == nil {
		to = identity(r)
	}
	if slices.Equal(from, to) {
		return v.n
	}
	// node axis i holds logical axis from[i]; we want axis j to hold to[j].
	inv := inverse(from)
	t := make([]int, r)
	for j := range r {
		t[j] = inv[to[j]]
	}
	// When the axes longer than 1 keep their order (a per-channel [1, C, 1, 1]
	// to [1, 1, 1, C]), the transposition is a reshape.
	dims := v.n.Shape().Dimensions
	newDims, last, ordered := make([]int, r), -1, true
	for j, a := range t {
		newDims[j] = dims[a]
		if dims[a] != 1 {
			ordered = ordered && a > last
			last = a
		}
	}
	if ordered {
		return graph.Reshape(v.n, newDims...)
	}
	return graph.TransposeAllAxes(v.n, t...)
}

// logical returns v's node in the ONNX layout.
func logical(v value) *graph.Node { return as(v, nil) }

// identity returns [0, 1, ..., r-1].
func identity(r int) []int {
	p := make([]int, r)
	for i := range p {
		p[i] = i
	}
	return p
}

// plain wraps a node in the ONNX layout.
func plain(n *graph.Node) value { return value{n: n} }

// converter turns the nodes of one cut of a model into GoMLX nodes.
type converter struct {
	m     *Model
	g     *graph.Graph
	batch int
	// weight returns the node of a weight (a variable, or a parameter when
	// the graph is only built to check shapes), stored with perm.
	weight func(name string, perm []int) (*graph.Node, error)
	vals   map[string]value
	folded int // nodes computed at build time
}

// opFunc converts one node given its inputs (absent optional inputs are
// values with a nil node) and returns its outputs.
type opFunc func(c *converter, n *node, in []value) []value

// convertError is how op functions report a problem with the node (an
// attribute or input exp cannot handle): a panic caught by convertNode.
type convertError struct{ msg string }

func (e *convertError) Error() string { return e.msg }

// fail aborts the conversion of the current node.
func fail(format string, args ...any) {
	panic(&convertError{fmt.Sprintf(format, args...)})
}

// run converts the nodes needed for target and returns its value.
func (c *converter) run(order []*node, target string) (value, error) {
	for _, n := range order {
		if err := c.convertNode(n); err != nil {
			return value{}, err
		}
	}
	v, ok := c.vals[target]
	if !ok {
		v2, err := c.source(target)
		if err != nil {
			return value{}, err
		}
		v = v2
	}
	return v, nil
}

// source returns the value of a tensor that no node computes: an input
// already set, or an initializer.
func (c *converter) source(name string) (value, error) {
	if v, ok := c.vals[name]; ok {
		return v, nil
	}
	in, ok := c.m.inits[name]
	if !ok {
		return value{}, fmt.Errorf("%s: tensor %q is used but neither computed, an input nor an initializer", c.m.path, name)
	}
	if in.err != nil {
		return value{}, fmt.Errorf("%s: tensor %q: %v", c.m.path, name, in.err)
	}
	var v value
	if c.m.consts[name] {
		t, err := decodeTensor(in.proto)
		if err != nil {
			return value{}, fmt.Errorf("%s: tensor %q: %v", c.m.path, name, err)
		}
		v = plain(graph.Const(c.g, t))
	} else {
		perm := c.m.storage[name]
		n, err := c.weight(name, perm)
		if err != nil {
			return value{}, err
		}
		v = value{n: n, perm: perm}
	}
	c.vals[name] = v
	return v, nil
}

// convertNode converts one node, computing it at build time when all its
// inputs are constants.
func (c *converter) convertNode(n *node) (err error) {
	in := make([]value, len(n.inputs))
	allConst := true
	for i, name := range n.inputs {
		if name == "" {
			continue
		}
		if in[i], err = c.source(name); err != nil {
			return err
		}
		allConst = allConst && in[i].n.Type() == graph.NodeTypeConstant
	}
	// Shape and Size give constants of c.g themselves, from the static shape.
	shapeOnly := n.op == "Shape" || n.op == "Size"
	var outs []value
	err = tryCatch(func() {
		if allConst && !unfoldable[n.op] && !shapeOnly {
			outs = c.fold(n, in)
		} else {
			outs = c.apply(n, in)
		}
	})
	if err != nil {
		return c.nodeError(n, err)
	}
	for i, o := range n.outputs {
		if o == "" {
			continue
		}
		if i >= len(outs) || outs[i].n == nil {
			if c.used(o) {
				return c.nodeError(n, fmt.Errorf("output #%d (%q) is not supported", i, o))
			}
			continue
		}
		c.vals[o] = outs[i]
	}
	return nil
}

// used reports whether any node of the model or the cut reads tensor name.
func (c *converter) used(name string) bool {
	for _, n := range c.m.nodes {
		if slices.Contains(n.inputs, name) {
			return true
		}
	}
	return slices.Contains(c.m.output, name)
}

// unfoldable ops are never computed at build time.
var unfoldable = map[string]bool{
	"RandomNormal": true, "RandomUniform": true, "RandomNormalLike": true, "RandomUniformLike": true, "Multinomial": true,
}

// nodeError phrases a conversion failure: FILE: node "NAME" (OP): reason.
func (c *converter) nodeError(n *node, err error) error {
	var ce *convertError
	msg := err.Error()
	if errors.As(err, &ce) {
		msg = ce.msg
	} else {
		msg = unwrapAll(err).Error()
	}
	e := fmt.Errorf("%s: node %q (%s): %s", c.m.path, n.label(), n.op, msg)
	if fb := c.m.fixedBatch(); fb > 0 && c.batch != fb {
		e = fmt.Errorf("%w (the model was exported with a fixed batch size of %d: where the graph depends on it, "+
			"export it with torch.onnx.export(..., dynamic_axes={%q: {0: \"batch\"}, \"output\": {0: \"batch\"}}))",
			e, fb, c.m.input.name)
	}
	return e
}

// apply converts n with the converter's own op functions or, for the ops
// only onnx-gomlx converts, with onnx-gomlx.
func (c *converter) apply(n *node, in []value) []value {
	if n.domain != "" && n.domain != "ai.onnx" {
		fail("op %s.%s is not supported", n.domain, n.op)
	}
	if f, ok := ops[n.op]; ok {
		return f(c, n, in)
	}
	if delegated[n.op] {
		return c.delegate(n, in)
	}
	fail("op %s is not supported", n.op)
	return nil
}

// fold computes n, whose inputs are all constants, at build time in a graph
// of its own and returns its outputs as constants.
func (c *converter) fold(n *node, in []value) []value {
	sg := graph.NewGraph(c.g.Backend(), "onnx-fold")
	defer sg.Finalize()
	sc := &converter{m: c.m, g: sg, batch: c.batch, weight: c.weight, vals: map[string]value{}}
	sin := make([]value, len(in))
	for i, v := range in {
		if v.n != nil {
			sin[i] = value{n: graph.Const(sg, v.n.ConstantValue()), perm: v.perm}
		}
	}
	outs := sc.apply(n, sin)
	var nodes []*graph.Node
	for _, o := range outs {
		if o.n != nil {
			nodes = append(nodes, logical(o))
		}
	}
	if len(nodes) == 0 {
		return outs
	}
	sg.Compile(nodes...)
	results := sg.Run()
	res := make([]value, len(outs))
	k := 0
	for i, o := range outs {
		if o.n == nil {
			continue
		}
		res[i] = plain(graph.Const(c.g, detach(results[k])))
		k++
	}
	c.folded++
	return res
}

// detach copies a tensor computed on a backend to host memory.
func detach(t *tensors.Tensor) *tensors.Tensor {
	t.ToLocal()
	return t
}

// delegate converts n with onnx-gomlx: its inputs, in the ONNX layout, are
// given to onnx-gomlx's converter as the graph's inputs, so that it
// converts only n.
func (c *converter) delegate(n *node, in []value) []value {
	om := c.m.ox
	savedNames, savedShapes := om.InputsNames, om.InputsShapes
	defer func() { om.InputsNames, om.InputsShapes = savedNames, savedShapes }()
	om.InputsNames, om.InputsShapes = nil, nil
	inputs := map[string]*graph.Node{}
	for i, name := range n.inputs {
		if name == "" || inputs[name] != nil {
			continue
		}
		x := logical(in[i])
		inputs[name] = x
		ds := ox.DynamicShape{DType: x.DType(), Dimensions: x.Shape().Dimensions}
		for _, d := range ds.Dimensions {
			ds.Names = append(ds.Names, strconv.Itoa(d))
		}
		om.InputsNames = append(om.InputsNames, name)
		om.InputsShapes = append(om.InputsShapes, ds)
	}
	var wanted []string
	for _, o := range n.outputs {
		if o != "" {
			wanted = append(wanted, o)
		}
	}
	got := om.CallGraph(mlctx.New(), c.g, inputs, wanted...)
	outs := make([]value, len(n.outputs))
	k := 0
	for i, o := range n.outputs {
		if o != "" {
			outs[i] = plain(got[k])
			k++
		}
	}
	return outs
}

// delegated are the ops converted by onnx-gomlx v0.3.4 that this package
// does not convert itself.
var delegated = map[string]bool{
	"And": true, "Or": true, "Xor": true, "BitwiseAnd": true, "BitwiseOr": true, "BitwiseXor": true, "BitwiseNot": true,
	"Not": true, "Sin": true, "Cos": true,
	"Where": true, "GatherElements": true, "Slice": true, "ConstantOfShape": true, "Expand": true,
	"Tile": true, "Range": true, "CumSum": true, "Split": true, "Trilu": true, "ScatterND": true, "LSTM": true,
	"If": true, "DequantizeLinear": true, "QuantizeLinear": true, "MatMulInteger": true, "QLinearMatMul": true,
	"DynamicQuantizeLinear": true,
}

// supported reports whether exp converts op (of the default domain).
func supported(op string) bool { return ops[op] != nil || delegated[op] }
