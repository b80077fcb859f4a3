package onnx

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Elementwise ops keep their input's layout: a channels-last image stays
// channels-last through activations and residual additions.

// unary makes an op of an elementwise function of the first input.
func unary(f func(n *node, x *graph.Node) *graph.Node) opFunc {
	return func(c *converter, n *node, in []value) []value {
		return []value{{n: f(n, in[0].n), perm: in[0].perm}}
	}
}

// fn adapts a one-argument GoMLX function.
func fn(f func(x *graph.Node) *graph.Node) opFunc {
	return unary(func(_ *node, x *graph.Node) *graph.Node { return f(x) })
}

// hardSigmoid is max(0, min(1, alpha·x + beta)).
func hardSigmoid(x *graph.Node, alpha, beta float64) *graph.Node {
	return graph.ClipScalar(graph.AddScalar(graph.MulScalar(x, alpha), beta), 0, 1)
}

// elu is x where x > 0, alpha·(exp(x) - 1) elsewhere.
func elu(x *graph.Node, alpha float64) *graph.Node {
	zero := graph.ZerosLike(x)
	return graph.Where(graph.GreaterThan(x, zero), x, graph.MulScalar(graph.Expm1(graph.Min(x, zero)), alpha))
}

// unaryOps are the elementwise ops of one input.
var unaryOps = map[string]opFunc{
	"Relu":       fn(func(x *graph.Node) *graph.Node { return graph.MaxScalar(x, 0) }),
	"Sigmoid":    fn(graph.Logistic),
	"Tanh":       fn(graph.Tanh),
	"Exp":        fn(graph.Exp),
	"Log":        fn(graph.Log),
	"Sqrt":       fn(graph.Sqrt),
	"Neg":        fn(graph.Neg),
	"Abs":        fn(graph.Abs),
	"Erf":        fn(graph.Erf),
	"Floor":      fn(graph.Floor),
	"Ceil":       fn(graph.Ceil),
	"Sign":       fn(graph.Sign),
	"Reciprocal": fn(graph.Reciprocal),
	"Softplus":   fn(graph.Softplus),
	"Softsign": fn(func(x *graph.Node) *graph.Node {
		return graph.Div(x, graph.OnePlus(graph.Abs(x)))
	}),
	"Mish": fn(func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Tanh(graph.Softplus(x))) }),
	"LeakyRelu": unary(func(n *node, x *graph.Node) *graph.Node {
		alpha := float64(n.floatAttr("alpha", 0.01))
		if alpha >= 0 && alpha <= 1 {
			return graph.Max(x, graph.MulScalar(x, alpha))
		}
		return graph.Where(graph.GreaterOrEqual(x, graph.ZerosLike(x)), x, graph.MulScalar(x, alpha))
	}),
	"HardSigmoid": unary(func(n *node, x *graph.Node) *graph.Node {
		return hardSigmoid(x, float64(n.floatAttr("alpha", 0.2)), float64(n.floatAttr("beta", 0.5)))
	}),
	"HardSwish": fn(func(x *graph.Node) *graph.Node { return graph.Mul(x, hardSigmoid(x, 1.0/6, 0.5)) }),
	"Elu": unary(func(n *node, x *graph.Node) *graph.Node {
		return elu(x, float64(n.floatAttr("alpha", 1)))
	}),
	"Selu": unary(func(n *node, x *graph.Node) *graph.Node {
		alpha := float64(n.floatAttr("alpha", 1.67326319217681884765625))
		gamma := float64(n.floatAttr("gamma", 1.05070102214813232421875))
		return graph.MulScalar(elu(x, alpha), gamma)
	}),
	"Gelu": unary(func(n *node, x *graph.Node) *graph.Node {
		if n.stringAttr("approximate", "none") == "tanh" {
			inner := graph.MulScalar(graph.Add(x, graph.MulScalar(graph.Mul(x, graph.Mul(x, x)), 0.044715)), math.Sqrt(2/math.Pi))
			return graph.Mul(graph.MulScalar(x, 0.5), graph.OnePlus(graph.Tanh(inner)))
		}
		return graph.Mul(graph.MulScalar(x, 0.5), graph.OnePlus(graph.Erf(graph.MulScalar(x, 1/math.Sqrt2))))
	}),
	"Identity": fn(func(x *graph.Node) *graph.Node { return x }),
}

// opDropout is the identity: the graph runs as exported for inference. Its
// mask output is not supported.
func opDropout(_ *converter, _ *node, in []value) []value { return []value{in[0]} }

// opClip clips to the optional min and max inputs (attributes before opset 11).
func opClip(c *converter, n *node, in []value) []value {
	x := in[0]
	bound := func(i int, attr string) (float64, *graph.Node, bool) {
		if c.m.opset < 11 {
			if a, ok := n.attrs[attr]; ok {
				return float64(a.f), nil, true
			}
			return 0, nil, false
		}
		if !has(in, i) {
			return 0, nil, false
		}
		if in[i].n.Type() == graph.NodeTypeConstant {
			return staticFloats(in, i, attr)[0], nil, true
		}
		return 0, graph.ConvertDType(logical(in[i]), x.n.DType()), true
	}
	y := x.n
	if v, nd, ok := bound(1, "min"); ok {
		if nd != nil {
			y = graph.Max(y, nd)
		} else {
			y = graph.MaxScalar(y, v)
		}
	}
	if v, nd, ok := bound(2, "max"); ok {
		if nd != nil {
			y = graph.Min(y, nd)
		} else {
			y = graph.MinScalar(y, v)
		}
	}
	return []value{{n: y, perm: x.perm}}
}

// broadcast brings operands to a common rank (ONNX's multidirectional
// broadcasting prepends axes of 1) and a common layout: that of the first
// full-rank operand stored in another layout, so that a channels-last image
// plus a per-channel [C, 1, 1] constant stays channels-last.
func broadcast(in []value) ([]*graph.Node, []int) {
	r := 0
	for _, v := range in {
		r = max(r, v.rank())
	}
	var perm []int
	for _, v := range in {
		if v.rank() == r && v.perm != nil {
			perm = v.perm
			break
		}
	}
	out := make([]*graph.Node, len(in))
	for i, v := range in {
		if v.rank() == 0 {
			out[i] = v.n
			continue
		}
		if v.rank() < r {
			v = plain(graph.ExpandLeftToRank(logical(v), r))
		}
		out[i] = as(v, perm)
	}
	return out, perm
}

// binary makes an op applying f to broadcast operands, left to right for
// more than two (Max, Min, Sum).
func binaryOp(f func(a, b *graph.Node) *graph.Node) opFunc {
	return func(c *converter, n *node, in []value) []value {
		var present []value
		for _, v := range in {
			if v.n != nil {
				present = append(present, v)
			}
		}
		xs, perm := broadcast(present)
		y := xs[0]
		for _, x := range xs[1:] {
			y = f(y, x)
		}
		return []value{{n: y, perm: perm}}
	}
}

// opMean averages its inputs.
func opMean(c *converter, n *node, in []value) []value {
	out := binaryOp(graph.Add)(c, n, in)
	out[0].n = graph.DivScalar(out[0].n, float64(len(in)))
	return out
}

// opPow raises to a power, with x·x for a constant 2 (as PyTorch computes it).
func opPow(c *converter, n *node, in []value) []value {
	if in[1].n.Type() == graph.NodeTypeConstant && in[1].n.Shape().Size() == 1 && in[1].n.DType().IsFloat() {
		e := staticFloats(in, 1, "exponent")[0]
		x := in[0]
		switch e {
		case 1:
			return []value{x}
		case 2:
			return []value{{n: graph.Mul(x.n, x.n), perm: x.perm}}
		case 0.5:
			return []value{{n: graph.Sqrt(x.n), perm: x.perm}}
		}
	}
	xs, perm := broadcast(in[:2])
	e := xs[1]
	if e.DType() != xs[0].DType() {
		e = graph.ConvertDType(e, xs[0].DType())
	}
	return []value{{n: graph.Pow(xs[0], e), perm: perm}}
}

// opPRelu is max(x, 0) + slope·min(x, 0), slope broadcast to x.
func opPRelu(c *converter, n *node, in []value) []value {
	x, slope := in[0], in[1]
	if slope.rank() < x.rank() && slope.rank() >= 1 && x.rank() >= 3 {
		// PyTorch exports a per-channel slope as [C, 1, 1]; a bare [C] is
		// per-channel too in practice for images.
		if d := slope.dims(); len(d) == 1 && d[0] > 1 && d[0] == x.dims()[1] {
			dims := ones(x.rank() - 1)
			dims[0] = d[0]
			slope = plain(graph.Reshape(logical(slope), dims...))
		}
	}
	xs, perm := broadcast([]value{x, slope})
	zero := graph.ZerosLike(xs[0])
	y := graph.Add(graph.Max(xs[0], zero), graph.Mul(xs[1], graph.Min(xs[0], zero)))
	return []value{{n: y, perm: perm}}
}

// binaryOps are the elementwise ops of two or more inputs.
var binaryOps = map[string]opFunc{
	"Add": binaryOp(graph.Add), "Sub": binaryOp(graph.Sub), "Mul": binaryOp(graph.Mul), "Div": binaryOp(graph.Div),
	"Max": binaryOp(graph.Max), "Min": binaryOp(graph.Min), "Sum": binaryOp(graph.Add),
	"Equal": binaryOp(graph.Equal), "Less": binaryOp(graph.LessThan), "Greater": binaryOp(graph.GreaterThan),
	"LessOrEqual": binaryOp(graph.LessOrEqual), "GreaterOrEqual": binaryOp(graph.GreaterOrEqual),
}
