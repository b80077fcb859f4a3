package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("dense", func() registry.Layer { return &Dense{Activation: "linear", UseBias: true} })
}

var _ registry.Activated = (*Dense)(nil)

func shapeOf(x *graph.Node, dims ...int) shapes.Shape { return shapes.Make(x.DType(), dims...) }

// Dense is a fully connected layer: activation(x·kernel + bias) over the last axis.
type Dense struct {
	Units      int    `yaml:"units"`
	Activation string `yaml:"activation"`
	UseBias    bool   `yaml:"use_bias"`
}

// Validate checks units and the activation.
func (d *Dense) Validate(r registry.Reporter) {
	required(r, "units", d.Units)
	validActivation(r.Field("activation"), d.Activation)
}

// ActivationName returns the layer's activation.
func (d *Dense) ActivationName() string { return d.Activation }

// Build adds the layer.
func (d *Dense) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := d.BuildLinear(ctx, x)
	if err != nil {
		return nil, err
	}
	return activate(d.Activation, y), nil
}

// BuildLinear adds the layer without its activation.
func (d *Dense) BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if x.Rank() < 2 {
		return nil, needRank(x, 2, "2-D")
	}
	dims := x.Shape().Dimensions
	in := dims[len(dims)-1]
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), in, d.Units)
	flat := x
	if x.Rank() > 2 {
		flat = graph.Reshape(x, -1, in)
	}
	y := graph.Dot(flat, kernel) // 2-D: its gradient is two matrix products (package grads)
	if d.UseBias {
		bias := variable(ctx, x, "bias", initializers.Zero, d.Units)
		y = graph.Add(y, graph.ExpandAxes(bias, 0))
	}
	if x.Rank() > 2 {
		out := append(append([]int(nil), dims[:len(dims)-1]...), d.Units)
		y = graph.Reshape(y, out...)
	}
	return y, nil
}
