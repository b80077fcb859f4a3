package registry

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// A padding mask marks the real steps of a batch of sequences: a bool node
// [batch, steps], true at a real step and false at padding. An embedding with
// mask_zero: true starts one (token 0 is padding), and the model carries it
// along its layer graph, as Keras does, to the layers that read it: pooling
// over real steps only, attention that ignores padded keys, recurrent layers
// whose state a padded step leaves unchanged.
//
// A layer says what it does with a mask by implementing one of the optional
// interfaces MaskMaker, MaskPasser and MaskUser. A layer that implements none
// of them takes no mask: a config that gives it one is an error at the
// layer's line, found by `exp validate` before anything trains (MaskFlow
// tells it from the interfaces alone, without building the model).

// MaskMaker is implemented by layers that can start a padding mask (embedding
// with mask_zero).
type MaskMaker interface {
	Layer
	// MakesMask reports whether the layer, as configured, gives its output a
	// mask.
	MakesMask() bool
	// Mask returns the mask of the layer's output for its input x, a bool
	// [batch, steps]. It is called only when MakesMask is true, after Build.
	Mask(x *graph.Node) *graph.Node
}

// MaskPasser is implemented by layers that compute each step on its own
// (dense, dropout, layernorm, position embeddings): a mask on their input
// holds for their output, and they are built with Build (or BuildInputs) as
// without one. With several masked inputs (add), the output's mask is the
// logical AND of theirs.
type MaskPasser interface {
	Layer
	// PassesMask reports whether the layer, as configured, passes a mask on;
	// false: it takes none.
	PassesMask() bool
}

// MaskUser is implemented by layers that read their input's mask (pooling,
// attention, recurrent layers).
type MaskUser interface {
	Layer
	// BuildMasked is Build, or BuildInputs for a MultiInput layer, with the
	// masks of the inputs: masks[i], a bool [batch, steps], is the mask of
	// xs[i], or nil for an input without one; at least one is not nil.
	BuildMasked(ctx *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error)
	// KeepsMask reports whether the layer's output keeps the steps of its
	// first input, and so its mask (attention, return_sequences), or has no
	// steps and no mask (pooling, a recurrent layer's last output).
	KeepsMask() bool
}

// MaskFlow tells what layer l does with a mask, known before the model is
// built: given whether some input of l has a mask, it returns whether l's
// output has one, and ok false when l receives a mask it cannot take.
func MaskFlow(l Layer, inputMasked bool) (outputMasked, ok bool) {
	if !inputMasked {
		m, maker := l.(MaskMaker)
		return maker && m.MakesMask(), true
	}
	if u, user := l.(MaskUser); user {
		return u.KeepsMask(), true
	}
	if p, passer := l.(MaskPasser); passer && p.PassesMask() {
		return true, true
	}
	return false, false
}

// InputCounter is implemented by MultiInput layers that take another number
// of inputs than the merge layers' two or more (multiheadattention: one, or
// a query and a value).
type InputCounter interface {
	MultiInput
	// InputCount returns the least and the most inputs the layer takes,
	// counting the previous layer as one when `inputs:` is absent.
	InputCount() (least, most int)
}
