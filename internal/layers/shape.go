package layers

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("flatten", func() registry.Layer { return &Flatten{} })
	registry.Layers.Register("reshape", func() registry.Layer { return &Reshape{} })
	registry.Layers.Register("activation", func() registry.Layer { return &ActivationLayer{} })
}

var (
	_ registry.Layer     = (*Flatten)(nil)
	_ registry.Layer     = (*Reshape)(nil)
	_ registry.Activated = (*ActivationLayer)(nil)
)

// Flatten reshapes each example to one axis.
type Flatten struct{}

// Validate has nothing to check.
func (*Flatten) Validate(registry.Reporter) {}

// Build adds the layer.
func (*Flatten) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return graph.Reshape(x, x.Shape().Dimensions[0], -1), nil
}

// Reshape gives each example a new shape (without the batch axis; one
// dimension may be -1, inferred).
type Reshape struct {
	Shape []int `yaml:"shape"`
}

// Validate checks the target shape.
func (r *Reshape) Validate(rep registry.Reporter) {
	if len(r.Shape) == 0 {
		rep.Field("shape").Errorf("is required: the shape of one example, e.g. [28, 28, 1]")
		return
	}
	inferred := 0
	for i, d := range r.Shape {
		switch {
		case d == -1:
			inferred++
			if inferred > 1 {
				rep.Field("shape").Index(i).Errorf("only one dimension may be -1")
			}
		case d <= 0:
			rep.Field("shape").Index(i).Errorf("must be > 0 or -1, got %d", d)
		}
	}
}

// Build adds the layer.
func (r *Reshape) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	dims := x.Shape().Dimensions
	size := x.Shape().Size() / dims[0]
	known, infer := 1, -1
	for i, d := range r.Shape {
		if d == -1 {
			infer = i
			continue
		}
		known *= d
	}
	out := append([]int{dims[0]}, r.Shape...)
	if infer >= 0 {
		if known == 0 || size%known != 0 {
			return nil, registry.FieldErrorf("shape", "cannot reshape %s (%d values per example) to %v", ShapeString(dims), size, r.Shape)
		}
		out[infer+1] = size / known
	} else if known != size {
		return nil, registry.FieldErrorf("shape", "cannot reshape %s (%d values per example) to %v (%d values)", ShapeString(dims), size, r.Shape, known)
	}
	return graph.Reshape(x, out...), nil
}

// ActivationLayer applies an activation function.
type ActivationLayer struct {
	Activation string `yaml:"activation"`
}

// Validate checks the activation's name.
func (a *ActivationLayer) Validate(r registry.Reporter) {
	if a.Activation == "" {
		r.Field("activation").Errorf("is required (known: %s)", fmt.Sprint(registry.Activations.Names()))
		return
	}
	validActivation(r.Field("activation"), a.Activation)
}

// ActivationName returns the activation.
func (a *ActivationLayer) ActivationName() string { return a.Activation }

// Build adds the layer.
func (a *ActivationLayer) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return activate(a.Activation, x), nil
}

// BuildLinear returns x unchanged.
func (a *ActivationLayer) BuildLinear(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return x, nil
}
