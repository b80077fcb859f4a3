package layers

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/internal/grads"
	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("multiheadattention", func() registry.Layer { return &MultiHeadAttention{UseBias: true} })
}

var (
	_ registry.InputCounter = (*MultiHeadAttention)(nil)
	_ registry.MaskUser     = (*MultiHeadAttention)(nil)
)

// MultiHeadAttention is Keras's MultiHeadAttention on sequences (batch,
// steps, features). With one input it is self-attention; with `inputs:
// [query, value]` the query attends to the value (which is also the key).
// Each of num_heads heads projects the query and the key to key_dim values
// and the value to value_dim (default key_dim), takes the softmax of the
// scaled dot products q·k/√key_dim over the keys, and averages the values
// with it; the heads' outputs are projected back to the query's features.
//
// Weights, in Keras's layout: query/kernel [features, heads, key_dim],
// key/kernel the same over the value's features, value/kernel [features,
// heads, value_dim], attention_output/kernel [heads, value_dim, features],
// each with a bias (use_bias) of its last axes; glorot-uniform kernels with
// Keras's fans for 3-D kernels, zero biases. dropout drops attention
// probabilities in training. causal lets step i attend to steps ≤ i only.
//
// With padding masks (registry.MaskUser), padded keys get no attention and
// the output at a padded query step is zero (Keras's is the attention of a
// fully masked row; nothing downstream reads it), so a sequence that is all
// padding gives zeros. The output keeps the query's mask.
type MultiHeadAttention struct {
	NumHeads int     `yaml:"num_heads"`
	KeyDim   int     `yaml:"key_dim"`
	ValueDim int     `yaml:"value_dim,omitempty"` // 0: key_dim
	Dropout  float64 `yaml:"dropout"`
	UseBias  bool    `yaml:"use_bias"`
	Causal   bool    `yaml:"causal"`
}

// Validate checks the dimensions and the dropout rate.
func (a *MultiHeadAttention) Validate(r registry.Reporter) {
	required(r, "num_heads", a.NumHeads)
	required(r, "key_dim", a.KeyDim)
	if a.ValueDim < 0 {
		r.Field("value_dim").Errorf("must be > 0, got %d", a.ValueDim)
	}
	validRate(r.Field("dropout"), a.Dropout)
}

// validRate reports a dropout rate outside [0, 1).
func validRate(r registry.Reporter, rate float64) {
	if !(rate >= 0 && rate < 1) {
		r.Errorf("must be in [0, 1), got %g", rate)
	}
}

// InputCount is one (self-attention) or two (query, value).
func (*MultiHeadAttention) InputCount() (least, most int) { return 1, 2 }

// KeepsMask is true: the output has the query's steps.
func (*MultiHeadAttention) KeepsMask() bool { return true }

// Build is self-attention on x.
func (a *MultiHeadAttention) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return a.BuildInputs(ctx, []*graph.Node{x})
}

// BuildInputs is self-attention on xs[0], or xs[0] attending to xs[1].
func (a *MultiHeadAttention) BuildInputs(ctx *mlctx.Context, xs []*graph.Node) (*graph.Node, error) {
	return a.BuildMasked(ctx, xs, make([]*graph.Node, len(xs)))
}

// BuildMasked is BuildInputs with the inputs' padding masks.
func (a *MultiHeadAttention) BuildMasked(ctx *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error) {
	if len(xs) < 1 || len(xs) > 2 {
		return nil, fmt.Errorf("takes a query and at most one value, got %d inputs", len(xs))
	}
	q, qMask := xs[0], masks[0]
	v, vMask := q, qMask
	if len(xs) == 2 {
		v, vMask = xs[1], masks[1]
	}
	for _, x := range []*graph.Node{q, v} {
		if err := needRank(x, 3, "3-D"); err != nil {
			return nil, err
		}
	}
	if qb, vb := q.Shape().Dimensions[0], v.Shape().Dimensions[0]; qb != vb {
		return nil, fmt.Errorf("query and value have different batch sizes, %d and %d", qb, vb)
	}
	y := a.attend(ctx, q, v, vMask)
	if qMask != nil {
		y = graph.Mul(y, graph.ExpandAxes(graph.ConvertDType(qMask, y.DType()), -1))
	}
	return y, nil
}

// valueDim returns value_dim, or key_dim when it is 0.
func (a *MultiHeadAttention) valueDim() int {
	if a.ValueDim > 0 {
		return a.ValueDim
	}
	return a.KeyDim
}

// attend returns the attention of q [batch, tq, dq] to v [batch, tv, dv]
// (which is also the key), projected to [batch, tq, dq]; keyMask [batch, tv]
// (nil: none) leaves padded keys out.
func (a *MultiHeadAttention) attend(ctx *mlctx.Context, q, v, keyMask *graph.Node) *graph.Node {
	h, kd, vd := a.NumHeads, a.KeyDim, a.valueDim()
	qDims, vDims := q.Shape().Dimensions, v.Shape().Dimensions
	qFlat := graph.Reshape(q, qDims[0]*qDims[1], qDims[2]) // once: each Reshape of a live tensor is a copy
	vFlat := qFlat
	if v != q {
		vFlat = graph.Reshape(v, vDims[0]*vDims[1], vDims[2])
	}
	query := a.project(ctx.In("query"), qFlat, qDims, kd)
	key := a.project(ctx.In("key"), vFlat, vDims, kd)
	value := a.project(ctx.In("value"), vFlat, vDims, vd)
	query = graph.MulScalar(query, 1/math.Sqrt(float64(kd)))
	scores := graph.DotGeneral(query, []int{3}, []int{0, 1}, key, []int{3}, []int{0, 1}) // [b, h, tq, tv]
	probs := a.softmax(scores, keyMask)
	if a.Dropout > 0 {
		probs, _ = (&Dropout{Rate: a.Dropout}).Build(ctx.In("dropout"), probs)
	}
	o := graph.DotGeneral(probs, []int{3}, []int{0, 1}, value, []int{2}, []int{0, 1}) // [b, h, tq, vd]
	dims := q.Shape().Dimensions
	b, tq, dq := dims[0], dims[1], dims[2]
	o = graph.Reshape(graph.TransposeAllAxes(o, 0, 2, 1, 3), b*tq, h*vd)
	out := ctx.In("attention_output")
	kernel := variable(out, q, "kernel", kerasGlorot(out, h, vd, dq), h, vd, dq)
	y := graph.Dot(o, graph.Reshape(kernel, h*vd, dq))
	if a.UseBias {
		y = graph.Add(y, graph.ExpandAxes(variable(out, q, "bias", initializers.Zero, dq), 0))
	}
	return graph.Reshape(y, b, tq, dq)
}

// project returns x [batch·steps, features] (of a [batch, steps, features]
// input)·kernel [features, heads, dim] (+ bias [heads, dim]) as [batch,
// heads, steps, dim].
func (a *MultiHeadAttention) project(ctx *mlctx.Context, x *graph.Node, dims []int, dim int) *graph.Node {
	b, t, d := dims[0], dims[1], dims[2]
	h := a.NumHeads
	kernel := variable(ctx, x, "kernel", kerasGlorot(ctx, d, h, dim), d, h, dim)
	y := graph.Dot(x, graph.Reshape(kernel, d, h*dim))
	if a.UseBias {
		bias := variable(ctx, x, "bias", initializers.Zero, h, dim)
		y = graph.Add(y, graph.Reshape(bias, 1, h*dim))
	}
	return graph.TransposeAllAxes(graph.Reshape(y, b, t, h, dim), 0, 2, 1, 3)
}

// maskedLogit is added to the scores of the keys a query may not attend
// to, as Keras does: their probability underflows to exactly 0.
const maskedLogit = -1e9

// softmax returns the attention probabilities of scores [b, h, tq, tv] over
// the keys, leaving out padded keys (keyMask [b, tv]) and, when causal, the
// keys after each query: their scores get maskedLogit added, as in Keras. A
// query whose keys are all padding gets uniform probabilities (Keras's
// result too): finite, and its output is zeroed or ignored downstream.
func (a *MultiHeadAttention) softmax(scores, keyMask *graph.Node) *graph.Node {
	g := scores.Graph()
	dims := scores.Shape().Dimensions
	if keyMask != nil {
		keep := graph.Reshape(graph.ConvertDType(keyMask, scores.DType()), dims[0], 1, 1, dims[3])
		scores = graph.Add(scores, graph.MulScalar(graph.OneMinus(keep), maskedLogit))
	}
	if a.Causal {
		scores = graph.Add(scores, causalBias(g, scores.Shape(), dims[2], dims[3]))
	}
	return grads.Softmax(scores)
}

// causalBias returns a constant [1, 1, tq, tv]: 0 where key j ≤ query i,
// maskedLogit elsewhere.
func causalBias(g *graph.Graph, s shapes.Shape, tq, tv int) *graph.Node {
	bias := make([]float32, tq*tv)
	for i := range tq {
		for j := i + 1; j < tv; j++ {
			bias[i*tv+j] = maskedLogit
		}
	}
	return graph.Reshape(graph.ConvertDType(graph.Const(g, bias), s.DType), 1, 1, tq, tv)
}

// kerasGlorot returns Keras's glorot-uniform initializer for a kernel of
// the given shape: uniform in ±√(6/(fan_in+fan_out)), where for a kernel of
// rank 3 or more (Keras's compute_fans) the fans are the last two axes times
// the product of the others.
func kerasGlorot(ctx *mlctx.Context, dims ...int) mlctx.VariableInitializer {
	receptive := 1
	for _, d := range dims[:len(dims)-2] {
		receptive *= d
	}
	fanIn, fanOut := dims[len(dims)-2]*receptive, dims[len(dims)-1]*receptive
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	return initializers.RandomUniformFn(ctx, -limit, limit)
}

// ExtraActivations returns what the layer keeps per example for the
// backward pass besides its output: the projected queries, keys and values,
// the scores and probabilities (and the dropped probabilities with dropout),
// heads × query steps × value steps each, and the heads' outputs.
func (a *MultiHeadAttention) ExtraActivations(inputs [][]int) int64 {
	if len(inputs) == 0 || len(inputs[0]) != 2 {
		return 0
	}
	tq, tv := int64(inputs[0][0]), int64(inputs[0][0])
	if len(inputs) > 1 && len(inputs[1]) == 2 {
		tv = int64(inputs[1][0])
	}
	h, kd, vd := int64(a.NumHeads), int64(a.KeyDim), int64(a.valueDim())
	matrices := int64(2)
	if a.Dropout > 0 {
		matrices++
	}
	return h*(tq*kd+tv*kd+tv*vd+tq*vd) + matrices*h*tq*tv
}
