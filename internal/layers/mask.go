package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/exp-runner/exp/registry"
)

// The layers that compute each step on its own pass a padding mask on
// unchanged (registry.MaskPasser); the ones that read it implement
// registry.MaskUser in their own files (GlobalPool1D, LSTM, GRU,
// MultiHeadAttention, Transformer), and Embedding starts it.
var (
	_ registry.MaskPasser = (*Dense)(nil)
	_ registry.MaskPasser = (*Dropout)(nil)
	_ registry.MaskPasser = (*LayerNorm)(nil)
	_ registry.MaskPasser = (*ActivationLayer)(nil)
	_ registry.MaskPasser = (*Merge)(nil)
	_ registry.MaskPasser = (*Concat)(nil)
)

// PassesMask is true: dense acts on the last axis, step by step.
func (*Dense) PassesMask() bool { return true }

// PassesMask is true: dropout acts value by value.
func (*Dropout) PassesMask() bool { return true }

// PassesMask is true: layernorm normalises each step's features.
func (*LayerNorm) PassesMask() bool { return true }

// PassesMask is true: an activation acts value by value (softmax on the
// last axis).
func (*ActivationLayer) PassesMask() bool { return true }

// PassesMask is true: add and multiply act step by step; the output's mask
// is the AND of the inputs'.
func (*Merge) PassesMask() bool { return true }

// PassesMask is true when the inputs are concatenated along features (axis
// -1 or past the steps axis), not along the steps.
func (c *Concat) PassesMask() bool { return c.Axis == -1 || c.Axis >= 2 }

// broadcastMask returns mask [batch, steps] as a bool of x's shape [batch,
// steps, …], for graph.Where.
func broadcastMask(mask, x *graph.Node) *graph.Node {
	for mask.Rank() < x.Rank() {
		mask = graph.ExpandAxes(mask, -1)
	}
	return graph.BroadcastToDims(mask, x.Shape().Dimensions...)
}
