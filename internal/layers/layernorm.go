package layers

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("layernorm", func() registry.Layer { return &LayerNorm{Epsilon: 0.001, Center: true, Scale: true} })
	registry.Layers.Register("embedding", func() registry.Layer { return &Embedding{} })
}

// LayerNorm normalises each example over its last axis (Keras
// LayerNormalization with axis -1): (x - mean)/√(variance + ε)·γ + β, in
// training and evaluation alike.
type LayerNorm struct {
	Epsilon float64 `yaml:"epsilon"`
	Center  bool    `yaml:"center"`
	Scale   bool    `yaml:"scale"`
}

// Validate checks epsilon.
func (ln *LayerNorm) Validate(r registry.Reporter) {
	if !(ln.Epsilon > 0) {
		r.Field("epsilon").Errorf("must be > 0, got %g", ln.Epsilon)
	}
}

// Build adds the layer.
func (ln *LayerNorm) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if x.Rank() < 2 {
		return nil, needRank(x, 2, "2-D or higher")
	}
	last := x.Rank() - 1
	c := x.Shape().Dimensions[last]
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, last)
	centered := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Square(centered), graph.ReduceMean, last)
	y := graph.Mul(centered, graph.Rsqrt(graph.AddScalar(variance, ln.Epsilon)))
	bshape := make([]int, x.Rank())
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[last] = c
	if ln.Scale {
		y = graph.Mul(y, graph.Reshape(variable(ctx, x, "gamma", initializers.One, c), bshape...))
	}
	if ln.Center {
		y = graph.Add(y, graph.Reshape(variable(ctx, x, "beta", initializers.Zero, c), bshape...))
	}
	return y, nil
}

// Embedding maps integer tokens in [0, input_dim) to learned vectors of
// output_dim values (Keras Embedding, initialised uniformly in ±0.05).
// Tokens arrive as float32 or integer values and are cast to int32; the
// output has one more axis than the input. With mask_zero, token 0 is
// padding: the layer starts a padding mask (registry.MaskMaker), true where
// the token is not 0, and needs (batch, steps) input. Fed by a text column,
// input_dim defaults to the column's vocabulary size
// (registry.VocabularySized).
type Embedding struct {
	InputDim  int  `yaml:"input_dim"`
	OutputDim int  `yaml:"output_dim"`
	MaskZero  bool `yaml:"mask_zero,omitempty"` // omitted at its default: config hashes stay put

	fromData bool // input_dim was set from the vocabulary of the text column it takes
}

var (
	_ registry.MaskMaker       = (*Embedding)(nil)
	_ registry.VocabularySized = (*Embedding)(nil)
)

// VocabularyKey is input_dim.
func (e *Embedding) VocabularyKey() string { return "input_dim" }

// VocabularySize is input_dim.
func (e *Embedding) VocabularySize() int { return e.InputDim }

// SetVocabularySize sets input_dim, which the config left out.
func (e *Embedding) SetVocabularySize(n int) { e.InputDim, e.fromData = n, true }

// Validate checks the dimensions.
func (e *Embedding) Validate(r registry.Reporter) {
	if !e.fromData {
		required(r, "input_dim", e.InputDim)
	}
	required(r, "output_dim", e.OutputDim)
	if e.MaskZero && e.InputDim == 1 {
		r.Field("input_dim").Errorf("must be > 1 with mask_zero: token 0 is padding")
	}
}

// Build adds the layer.
func (e *Embedding) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if x.Rank() < 1 || (x.DType() != dtypes.Float32 && !x.DType().IsInt()) {
		return nil, fmt.Errorf("needs token indices (batch, steps), got %s", x.Shape())
	}
	if e.MaskZero && x.Rank() != 2 {
		return nil, registry.FieldErrorf("mask_zero", "needs token indices (batch, steps), got %s", ShapeString(x.Shape().Dimensions))
	}
	table := ctx.WithInitializer(initializers.RandomUniformFn(ctx, -0.05, 0.05)).
		VariableWithShape("embeddings", shapes.Make(dtypes.Float32, e.InputDim, e.OutputDim)).ValueGraph(x.Graph())
	idx := graph.ConvertDType(x, dtypes.Int32)
	return graph.Gather(table, graph.ExpandAxes(idx, -1)), nil
}

// MakesMask reports mask_zero.
func (e *Embedding) MakesMask() bool { return e.MaskZero }

// Mask returns x ≠ 0, bool [batch, steps].
func (e *Embedding) Mask(x *graph.Node) *graph.Node {
	idx := graph.ConvertDType(x, dtypes.Int32)
	return graph.NotEqual(idx, graph.ScalarZero(x.Graph(), dtypes.Int32))
}
