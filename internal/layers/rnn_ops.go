package layers

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// split cuts x along axis into consecutive parts of the given sizes, with
// the gradient of a split: the parts' gradients concatenated along axis.
// The caller must use the first part whenever it uses any.
//
// GoMLX's gradient of each Slice is a zero-padded tensor of x's full shape
// (a Pad, which GoMLX's pure-Go backend lacks), summed over the parts: for
// the timesteps of a sequence, quadratic in its length. Here each part
// passes through an identity whose gradient function stores the part's
// gradient and lets nothing flow back through its Slice. x's own gradient
// function returns the stored gradients concatenated (zeros for a part
// without one); GoMLX computes gradients node by node in reverse creation
// order, so it runs after the parts'. For it to run at all, the first part
// has an exact zero added that depends on one element of x through a
// Gather: the gradient reaching x that way is discarded, and a backend that
// skips unused nodes (cpu) never computes it.
func split(x *graph.Node, axis int, sizes ...int) []*graph.Node {
	caught := make([]*graph.Node, len(sizes))
	whole := graph.IdentityWithCustomGradient(x, func(x, _ *graph.Node) *graph.Node {
		for i, v := range caught {
			if v == nil {
				dims := x.Shape().Clone()
				dims.Dimensions[axis] = sizes[i]
				caught[i] = graph.Zeros(x.Graph(), dims)
			}
		}
		v := graph.Concatenate(caught, axis)
		clear(caught)
		return v
	})
	parts := make([]*graph.Node, len(sizes))
	start := 0
	for i, size := range sizes {
		part := graph.SliceAxis(whole, axis, graph.AxisRange(start, start+size))
		parts[i] = graph.IdentityWithCustomGradient(part, func(_, v *graph.Node) *graph.Node {
			caught[i] = v
			return nil
		})
		start += size
	}
	if start != x.Shape().Dimensions[axis] {
		panic(fmt.Sprintf("split: sizes %v do not add up to axis %d of %s", sizes, axis, x.Shape()))
	}
	parts[0] = graph.Add(parts[0], zeroOf(whole))
	return parts
}

// zeroOf returns a scalar zero through which a gradient flows to x.
func zeroOf(x *graph.Node) *graph.Node {
	g := x.Graph()
	first := graph.Reshape(graph.Gather(x, graph.Zeros(g, shapes.Make(dtypes.Int32, 1, x.Rank()))))
	return graph.Where(graph.Const(g, false), first, graph.ZerosLike(first))
}

// equal returns n copies of size, for split.
func equal(n, size int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = size
	}
	return s
}

// orthogonal returns Keras's Orthogonal initializer (gain 1) for a matrix
// of at most as many rows as columns: normal random rows made orthonormal
// by Gram–Schmidt (each projection done twice, for float32 accuracy), as
// the QR decomposition with a positive diagonal that Keras uses.
func orthogonal(ctx *mlctx.Context) mlctx.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		rows, cols := shape.Dimensions[0], shape.Dimensions[1]
		if rows > cols {
			panic(fmt.Sprintf("orthogonal: %s has more rows than columns", shape))
		}
		a := ctx.RandomNormal(g, shape)
		q := graph.Zeros(g, shape)
		rowAxis := graph.Iota(g, shapes.Make(shape.DType, rows, 1), 0)
		for j := range rows {
			r := graph.SliceAxis(a, 0, graph.AxisRange(j, j+1)) // [1, cols]
			for range 2 {
				proj := graph.Dot(q, graph.Transpose(r, 0, 1)) // [rows, 1]
				r = graph.Sub(r, graph.Dot(graph.Transpose(proj, 0, 1), q))
			}
			r = graph.Mul(r, graph.Rsqrt(graph.ReduceAllSum(graph.Square(r))))
			onehot := graph.ConvertDType(graph.Equal(rowAxis, graph.Scalar(g, shape.DType, j)), shape.DType)
			q = graph.Add(q, graph.Mul(onehot, r))
		}
		return q
	}
}

// forgetBias initializes an LSTM's bias [4·units] as Keras's
// unit_forget_bias does: ones for the forget gate, zeros elsewhere.
func forgetBias(units int) mlctx.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		part := func(n int) shapes.Shape { return shapes.Make(shape.DType, n) }
		return graph.Concatenate([]*graph.Node{
			graph.Zeros(g, part(units)), graph.Ones(g, part(units)), graph.Zeros(g, part(2*units)),
		}, 0)
	}
}

// needSequence returns an error unless x is (batch, timesteps, features).
func needSequence(x *graph.Node) error {
	if x.Rank() != 3 {
		return fmt.Errorf("needs 3-D input (batch, timesteps, features), got %s", ShapeString(x.Shape().Dimensions))
	}
	return nil
}

// inputSteps projects every timestep of x [batch, timesteps, features] at
// once, x·kernel + bias, and returns the projection of each timestep,
// [batch, gates].
func inputSteps(x, kernel, bias *graph.Node) []*graph.Node {
	dims := x.Shape().Dimensions
	b, t, d := dims[0], dims[1], dims[2]
	gates := kernel.Shape().Dimensions[1]
	timeMajor := graph.Reshape(graph.Transpose(x, 0, 1), t*b, d)
	xp := graph.Add(graph.Dot(timeMajor, kernel), graph.ExpandAxes(bias, 0))
	steps := split(graph.Reshape(xp, t, b*gates), 0, equal(t, 1)...)
	for i, s := range steps {
		steps[i] = graph.Reshape(s, b, gates)
	}
	return steps
}
