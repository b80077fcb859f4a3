package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/internal/grads"
	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("conv1d", func() registry.Layer {
		return &Conv1D{Strides: 1, Padding: "valid", Activation: "linear", UseBias: true}
	})
	registry.Layers.Register("maxpool1d", func() registry.Layer { return &Pool1D{max: true, PoolSize: 2, Padding: "valid"} })
	registry.Layers.Register("avgpool1d", func() registry.Layer { return &Pool1D{PoolSize: 2, Padding: "valid"} })
}

// Conv1D is a 1-D convolution over channels-last sequences [batch, steps, c].
// It runs as a 2-D convolution of height 1, whose gradient the backends run
// natively.
type Conv1D struct {
	Filters    int    `yaml:"filters"`
	KernelSize int    `yaml:"kernel_size"`
	Strides    int    `yaml:"strides"`
	Padding    string `yaml:"padding"`
	Activation string `yaml:"activation"`
	UseBias    bool   `yaml:"use_bias"`
}

// Validate checks the parameters' ranges and names.
func (c *Conv1D) Validate(r registry.Reporter) {
	required(r, "filters", c.Filters)
	required(r, "kernel_size", c.KernelSize)
	if c.Strides <= 0 {
		r.Field("strides").Errorf("must be > 0, got %d", c.Strides)
	}
	if c.Padding != "valid" && c.Padding != "same" && c.Padding != "causal" {
		r.Field("padding").Errorf("must be \"valid\", \"same\" or \"causal\", got %q", c.Padding)
	}
	validActivation(r.Field("activation"), c.Activation)
}

// ActivationName returns the layer's activation.
func (c *Conv1D) ActivationName() string { return c.Activation }

// Build adds the layer.
func (c *Conv1D) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := c.BuildLinear(ctx, x)
	if err != nil {
		return nil, err
	}
	return activate(c.Activation, y), nil
}

// BuildLinear adds the layer without its activation.
func (c *Conv1D) BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	b, steps, ch := dims[0], dims[1], dims[2]
	var out int
	var pad [2]int
	if c.Padding == "causal" {
		out, _ = outSize(steps+c.KernelSize-1, c.KernelSize, c.Strides, "valid")
		pad = [2]int{c.KernelSize - 1, 0}
	} else {
		out, pad = outSize(steps, c.KernelSize, c.Strides, c.Padding)
	}
	if out <= 0 {
		return nil, registry.FieldErrorf("kernel_size", "kernel %d is longer than its input of %d steps (padding valid)", c.KernelSize, steps)
	}
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), c.KernelSize, ch, c.Filters)
	p := grads.Conv2DParams{Strides: [2]int{1, c.Strides}, Paddings: [2][2]int{{0, 0}, pad}}
	y := grads.Conv2D(graph.Reshape(x, b, 1, steps, ch), graph.Reshape(kernel, 1, c.KernelSize, ch, c.Filters), p)
	y = graph.Reshape(y, b, out, c.Filters)
	if c.UseBias {
		bias := variable(ctx, x, "bias", initializers.Zero, c.Filters)
		y = graph.Add(y, graph.Reshape(bias, 1, 1, c.Filters))
	}
	return y, nil
}

// Pool1D is 1-D max or average pooling over channels-last sequences, run as
// 2-D pooling of height 1.
type Pool1D struct {
	max      bool
	PoolSize int    `yaml:"pool_size"`
	Strides  *int   `yaml:"strides"` // nil: pool_size
	Padding  string `yaml:"padding"`
}

// Validate checks the parameters.
func (p *Pool1D) Validate(r registry.Reporter) {
	if p.PoolSize <= 0 {
		r.Field("pool_size").Errorf("must be > 0, got %d", p.PoolSize)
	}
	if p.Strides != nil && *p.Strides <= 0 {
		r.Field("strides").Errorf("must be > 0, got %d", *p.Strides)
	}
	validPadding(r.Field("padding"), p.Padding)
}

// Build adds the layer.
func (p *Pool1D) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	if p.Padding == "valid" && dims[1] < p.PoolSize {
		return nil, registry.FieldErrorf("pool_size", "pool %d is longer than its input of %d steps (padding valid)", p.PoolSize, dims[1])
	}
	s := p.PoolSize
	if p.Strides != nil {
		s = *p.Strides
	}
	p2 := &Pool2D{max: p.max, PoolSize: Pair{1, p.PoolSize}, Strides: &Pair{1, s}, Padding: p.Padding}
	y, err := p2.Build(ctx, graph.Reshape(x, dims[0], 1, dims[1], dims[2]))
	if err != nil {
		return nil, err
	}
	return graph.Reshape(y, dims[0], -1, dims[2]), nil
}
