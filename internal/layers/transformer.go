package layers

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("transformer", func() registry.Layer {
		return &Transformer{Activation: "relu", LayerNormEpsilon: 1e-5}
	})
}

var _ registry.MaskUser = (*Transformer)(nil)

// Transformer is one transformer encoder block with the semantics of
// KerasHub's TransformerEncoder, on (batch, steps, features): self-attention
// of num_heads heads of features/num_heads dimensions (MultiHeadAttention,
// under the scope self_attention_layer), dropout, a residual connection and
// a layer normalization (self_attention_layer_norm); then a feedforward
// network, a dense layer of intermediate_dim units with the activation
// (feedforward_intermediate_dense) and one back to the features
// (feedforward_output_dense), dropout, a residual connection and a layer
// normalization (feedforward_layer_norm). normalize_first normalizes the
// input of each sub-block instead of its output (GPT-2 style). dropout is
// also the attention's. With a padding mask, padded keys get no attention;
// the output keeps the mask.
type Transformer struct {
	NumHeads         int     `yaml:"num_heads"`
	IntermediateDim  int     `yaml:"intermediate_dim"`
	Dropout          float64 `yaml:"dropout"`
	Activation       string  `yaml:"activation"`
	NormalizeFirst   bool    `yaml:"normalize_first"`
	LayerNormEpsilon float64 `yaml:"layer_norm_epsilon"`
}

// Validate checks the dimensions, rates and the activation.
func (t *Transformer) Validate(r registry.Reporter) {
	required(r, "num_heads", t.NumHeads)
	required(r, "intermediate_dim", t.IntermediateDim)
	validRate(r.Field("dropout"), t.Dropout)
	validActivation(r.Field("activation"), t.Activation)
	if !(t.LayerNormEpsilon > 0) {
		r.Field("layer_norm_epsilon").Errorf("must be > 0, got %g", t.LayerNormEpsilon)
	}
}

// KeepsMask is true: the output has the input's steps.
func (*Transformer) KeepsMask() bool { return true }

// Build adds the block.
func (t *Transformer) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return t.build(ctx, x, nil)
}

// BuildMasked adds the block with its input's padding mask.
func (t *Transformer) BuildMasked(ctx *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error) {
	return t.build(ctx, xs[0], masks[0])
}

func (t *Transformer) build(ctx *mlctx.Context, x, mask *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	d := x.Shape().Dimensions[2]
	if d < t.NumHeads {
		return nil, registry.FieldErrorf("num_heads", "%d heads need at least as many features, got %d", t.NumHeads, d)
	}
	attention := &MultiHeadAttention{NumHeads: t.NumHeads, KeyDim: d / t.NumHeads, Dropout: t.Dropout, UseBias: true}
	y := t.sublayer(ctx, "self_attention_layer_norm", x, func(x *graph.Node) *graph.Node {
		return t.dropout(ctx.In("self_attention_dropout"), attention.attend(ctx.In("self_attention_layer"), x, x, mask))
	})
	y = t.sublayer(ctx, "feedforward_layer_norm", y, func(x *graph.Node) *graph.Node {
		h := t.dense(ctx.In("feedforward_intermediate_dense"), x, t.IntermediateDim, t.Activation)
		return t.dropout(ctx.In("feedforward_dropout"), t.dense(ctx.In("feedforward_output_dense"), h, d, "linear"))
	})
	return y, nil
}

// sublayer returns x + f(x) normalized by the layer norm of scope norm, or
// x + f(norm(x)) with normalize_first.
func (t *Transformer) sublayer(ctx *mlctx.Context, norm string, x *graph.Node, f func(*graph.Node) *graph.Node) *graph.Node {
	ln := &LayerNorm{Epsilon: t.LayerNormEpsilon, Center: true, Scale: true}
	if t.NormalizeFirst {
		return graph.Add(x, f(must(ln.Build(ctx.In(norm), x))))
	}
	return must(ln.Build(ctx.In(norm), graph.Add(x, f(x))))
}

func (t *Transformer) dense(ctx *mlctx.Context, x *graph.Node, units int, activation string) *graph.Node {
	return must((&Dense{Units: units, Activation: activation, UseBias: true}).Build(ctx, x))
}

func (t *Transformer) dropout(ctx *mlctx.Context, x *graph.Node) *graph.Node {
	return must((&Dropout{Rate: t.Dropout}).Build(ctx, x))
}

// must returns y, panicking on an error that a valid input of a validated
// layer cannot give (the model turns a panic into the layer's error).
func must(y *graph.Node, err error) *graph.Node {
	if err != nil {
		panic(fmt.Sprintf("transformer: %v", err))
	}
	return y
}

// ExtraActivations returns what the block keeps per example for the
// backward pass besides its output: its attention's (MultiHeadAttention's
// ExtraActivations) and, at each step, the attention output, the two
// residual sums and normalized values, and the feedforward's intermediate
// values before and after the activation.
func (t *Transformer) ExtraActivations(inputs [][]int) int64 {
	if len(inputs) != 1 || len(inputs[0]) != 2 || inputs[0][1] < t.NumHeads {
		return 0
	}
	steps, d := int64(inputs[0][0]), int64(inputs[0][1])
	k := inputs[0][1] / t.NumHeads
	attention := &MultiHeadAttention{NumHeads: t.NumHeads, KeyDim: k, Dropout: t.Dropout}
	return attention.ExtraActivations(inputs) + steps*(5*d+2*int64(t.IntermediateDim))
}
