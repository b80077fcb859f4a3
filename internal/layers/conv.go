package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/internal/grads"
	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("conv2d", func() registry.Layer {
		return &Conv2D{Strides: Pair{1, 1}, Padding: "valid", Activation: "linear", UseBias: true}
	})
}

var _ registry.Activated = (*Conv2D)(nil)

// Conv2D is a 2-D convolution over channels-last images [batch, h, w, c].
type Conv2D struct {
	Filters    int    `yaml:"filters"`
	KernelSize Pair   `yaml:"kernel_size"`
	Strides    Pair   `yaml:"strides"`
	Padding    string `yaml:"padding"`
	Activation string `yaml:"activation"`
	UseBias    bool   `yaml:"use_bias"`
}

// Validate checks the parameters' ranges and names.
func (c *Conv2D) Validate(r registry.Reporter) {
	required(r, "filters", c.Filters)
	if c.KernelSize == (Pair{}) {
		r.Field("kernel_size").Errorf("is required")
	} else {
		c.KernelSize.validatePositive(r.Field("kernel_size"))
	}
	c.Strides.validatePositive(r.Field("strides"))
	validPadding(r.Field("padding"), c.Padding)
	validActivation(r.Field("activation"), c.Activation)
}

// ActivationName returns the layer's activation.
func (c *Conv2D) ActivationName() string { return c.Activation }

// Build adds the layer.
func (c *Conv2D) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := c.BuildLinear(ctx, x)
	if err != nil {
		return nil, err
	}
	return activate(c.Activation, y), nil
}

// BuildLinear adds the layer without its activation.
func (c *Conv2D) BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	var p grads.Conv2DParams
	for i := range 2 {
		out, pad := outSize(dims[1+i], c.KernelSize[i], c.Strides[i], c.Padding)
		if out <= 0 {
			return nil, registry.FieldErrorf("kernel_size", "kernel %s is larger than its input %d×%d (padding valid)",
				c.KernelSize, dims[1], dims[2])
		}
		p.Strides[i], p.Paddings[i] = c.Strides[i], pad
	}
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), c.KernelSize[0], c.KernelSize[1], dims[3], c.Filters)
	y := grads.Conv2D(x, kernel, p)
	if c.UseBias {
		bias := variable(ctx, x, "bias", initializers.Zero, c.Filters)
		y = graph.Add(y, graph.Reshape(bias, 1, 1, 1, c.Filters))
	}
	return y, nil
}
