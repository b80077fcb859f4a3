package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("depthwiseconv2d", func() registry.Layer {
		return &DepthwiseConv2D{DepthMultiplier: 1, Strides: Pair{1, 1}, Padding: "valid", Activation: "linear", UseBias: true}
	})
	registry.Layers.Register("separableconv2d", func() registry.Layer {
		return &SeparableConv2D{DepthwiseConv2D: DepthwiseConv2D{DepthMultiplier: 1, Strides: Pair{1, 1}, Padding: "valid", Activation: "linear", UseBias: true}}
	})
}

// DepthwiseConv2D convolves each input channel with its own depth_multiplier
// filters (Keras DepthwiseConv2D): output channel c·m+k is channel c
// convolved with filter k of c. It is computed as a sum over the kernel's
// taps of shifted (strided) slices of the input times per-channel weights,
// which every backend runs with elementwise ops, or, where the backend runs
// grouped convolutions natively (exp's cpu), as one grouped convolution.
type DepthwiseConv2D struct {
	KernelSize      Pair   `yaml:"kernel_size"`
	Strides         Pair   `yaml:"strides"`
	Padding         string `yaml:"padding"`
	DepthMultiplier int    `yaml:"depth_multiplier"`
	Activation      string `yaml:"activation"`
	UseBias         bool   `yaml:"use_bias"`
}

// Validate checks the parameters' ranges and names.
func (d *DepthwiseConv2D) Validate(r registry.Reporter) {
	if d.KernelSize == (Pair{}) {
		r.Field("kernel_size").Errorf("is required")
	} else {
		d.KernelSize.validatePositive(r.Field("kernel_size"))
	}
	d.Strides.validatePositive(r.Field("strides"))
	validPadding(r.Field("padding"), d.Padding)
	if d.DepthMultiplier <= 0 {
		r.Field("depth_multiplier").Errorf("must be > 0, got %d", d.DepthMultiplier)
	}
	validActivation(r.Field("activation"), d.Activation)
}

// ActivationName returns the layer's activation.
func (d *DepthwiseConv2D) ActivationName() string { return d.Activation }

// Build adds the layer.
func (d *DepthwiseConv2D) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := d.BuildLinear(ctx, x)
	if err != nil {
		return nil, err
	}
	return activate(d.Activation, y), nil
}

// BuildLinear adds the layer without its activation.
func (d *DepthwiseConv2D) BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := d.depthwise(ctx, x)
	if err != nil {
		return nil, err
	}
	if d.UseBias {
		n := y.Shape().Dimensions[3]
		bias := variable(ctx, x, "bias", initializers.Zero, n)
		y = graph.Add(y, graph.Reshape(bias, 1, 1, 1, n))
	}
	return y, nil
}

// depthwise creates the depthwise kernel [kh, kw, c, m] and returns the
// depthwise convolution of x, without bias.
func (d *DepthwiseConv2D) depthwise(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	var out [2]int
	var pads [4][2]int
	for i := range 2 {
		o, pad := outSize(dims[1+i], d.KernelSize[i], d.Strides[i], d.Padding)
		if o <= 0 {
			return nil, registry.FieldErrorf("kernel_size", "kernel %s is larger than its input %d×%d (padding valid)",
				d.KernelSize, dims[1], dims[2])
		}
		out[i], pads[1+i] = o, pad
	}
	c, m := dims[3], d.DepthMultiplier
	kernel := variable(ctx, x, "depthwise_kernel", initializers.GlorotUniformFn(ctx), d.KernelSize[0], d.KernelSize[1], c, m)
	if nativeDepthwise(x) {
		return depthwiseConv(x, kernel, d.Strides, [2][2]int{pads[1], pads[2]}), nil
	}
	if d.Padding == "same" {
		x = padZeros(x, pads[:]...)
	}
	return depthwiseTaps(x, kernel, out, d.Strides), nil
}

// depthwiseTaps returns Σ_{p,q} x[:, i·s+p, j·s+q, c]·kernel[p, q, c, k] as
// [batch, out[0], out[1], c·m] for x [batch, h, w, c] (already padded) and
// kernel [kh, kw, c, m]. With m > 1 each input channel is first repeated m
// times. Each tap's weights are tiled along the output's width, so that each
// product runs over rows of width·channels values rather than channels.
func depthwiseTaps(x, kernel *graph.Node, out [2]int, strides Pair) *graph.Node {
	kd := kernel.Shape().Dimensions
	kh, kw, cm := kd[0], kd[1], kd[2]*kd[3]
	if kd[3] > 1 {
		d := x.Shape().Dimensions
		x5 := graph.BroadcastToDims(graph.Reshape(x, d[0], d[1], d[2], d[3], 1), d[0], d[1], d[2], d[3], kd[3])
		x = graph.Reshape(x5, d[0], d[1], d[2], cm)
	}
	d := x.Shape().Dimensions
	tiled := graph.BroadcastToDims(graph.Reshape(kernel, kh, kw, 1, cm), kh, kw, out[1], cm)
	var y *graph.Node
	for p := range kh {
		for q := range kw {
			tap := slice(x, []int{0, p, q, 0},
				[]int{d[0], p + (out[0]-1)*strides[0] + 1, q + (out[1]-1)*strides[1] + 1, d[3]},
				[]int{1, strides[0], strides[1], 1})
			w := slice(tiled, []int{p, q, 0, 0}, []int{p + 1, q + 1, out[1], cm}, []int{1, 1, 1, 1}) // [1, 1, ow, cm]
			term := graph.Mul(tap, w)
			if y == nil {
				y = term
			} else {
				y = graph.Add(y, term)
			}
		}
	}
	return y
}

// SeparableConv2D is a depthwise convolution followed by a pointwise (1×1)
// convolution to filters channels, then bias and activation (Keras
// SeparableConv2D).
type SeparableConv2D struct {
	DepthwiseConv2D `yaml:",inline"`
	Filters         int `yaml:"filters"`
}

// Validate checks the parameters' ranges and names.
func (s *SeparableConv2D) Validate(r registry.Reporter) {
	required(r, "filters", s.Filters)
	s.DepthwiseConv2D.Validate(r)
}

// Build adds the layer.
func (s *SeparableConv2D) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := s.BuildLinear(ctx, x)
	if err != nil {
		return nil, err
	}
	return activate(s.Activation, y), nil
}

// BuildLinear adds the layer without its activation.
func (s *SeparableConv2D) BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	y, err := s.depthwise(ctx, x)
	if err != nil {
		return nil, err
	}
	dims := y.Shape().Dimensions
	pointwise := variable(ctx, x, "pointwise_kernel", initializers.GlorotUniformFn(ctx), 1, 1, dims[3], s.Filters)
	flat := graph.Reshape(y, -1, dims[3])
	y = graph.Dot(flat, graph.Reshape(pointwise, dims[3], s.Filters)) // 2-D: fast gradient (package grads)
	if s.UseBias {
		bias := variable(ctx, x, "bias", initializers.Zero, s.Filters)
		y = graph.Add(y, graph.ExpandAxes(bias, 0))
	}
	return graph.Reshape(y, dims[0], dims[1], dims[2], s.Filters), nil
}
