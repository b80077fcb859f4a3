package layers

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("add", func() registry.Layer { return &Merge{op: "add"} })
	registry.Layers.Register("multiply", func() registry.Layer { return &Merge{op: "multiply"} })
	registry.Layers.Register("concat", func() registry.Layer { return &Concat{Axis: -1} })
}

// Merge adds or multiplies its inputs elementwise (Keras Add, Multiply):
// they must have the same shape.
type Merge struct {
	op string // "add" or "multiply"
}

// Validate has nothing to check (the inputs are checked by config).
func (*Merge) Validate(registry.Reporter) {}

// Build is BuildInputs of the single input x.
func (m *Merge) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return m.BuildInputs(ctx, []*graph.Node{x})
}

// BuildInputs adds or multiplies xs.
func (m *Merge) BuildInputs(_ *mlctx.Context, xs []*graph.Node) (*graph.Node, error) {
	if len(xs) < 2 {
		return nil, fmt.Errorf("needs at least 2 inputs, got %d", len(xs))
	}
	y := xs[0]
	for _, x := range xs[1:] {
		if !slices.Equal(x.Shape().Dimensions, xs[0].Shape().Dimensions) {
			return nil, fmt.Errorf("cannot %s inputs of shapes %s and %s: they must be equal",
				m.op, ShapeString(xs[0].Shape().Dimensions), ShapeString(x.Shape().Dimensions))
		}
		if m.op == "add" {
			y = graph.Add(y, x)
		} else {
			y = graph.Mul(y, x)
		}
	}
	return y, nil
}

// Concat concatenates its inputs along axis (Keras Concatenate; axis counts
// the batch axis as 0, negative axes count from the last).
type Concat struct {
	Axis int `yaml:"axis"`
}

// Validate rejects the batch axis.
func (c *Concat) Validate(r registry.Reporter) {
	if c.Axis == 0 {
		r.Field("axis").Errorf("cannot concatenate along the batch axis 0")
	}
}

// Build is BuildInputs of the single input x.
func (c *Concat) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return c.BuildInputs(ctx, []*graph.Node{x})
}

// BuildInputs concatenates xs along the axis.
func (c *Concat) BuildInputs(_ *mlctx.Context, xs []*graph.Node) (*graph.Node, error) {
	if len(xs) < 2 {
		return nil, fmt.Errorf("needs at least 2 inputs, got %d", len(xs))
	}
	first := xs[0].Shape().Dimensions
	axis := c.Axis
	if axis < 0 {
		axis += len(first)
	}
	if axis <= 0 || axis >= len(first) {
		return nil, registry.FieldErrorf("axis", "axis %d is out of range for input %s", c.Axis, ShapeString(first))
	}
	for _, x := range xs[1:] {
		dims := x.Shape().Dimensions
		if !sameExcept(first, dims, axis) {
			return nil, fmt.Errorf("cannot concatenate inputs of shapes %s and %s along axis %d: all other axes must be equal",
				ShapeString(first), ShapeString(dims), c.Axis)
		}
	}
	return graph.Concatenate(xs, axis), nil
}

// sameExcept reports whether a and b have the same rank and dimensions but
// along axis.
func sameExcept(a, b []int, axis int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if i != axis && a[i] != b[i] {
			return false
		}
	}
	return true
}
