package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("lstm", func() registry.Layer {
		return &LSTM{Recurrent: Recurrent{Activation: "tanh", RecurrentActivation: "sigmoid"}, UnitForgetBias: true}
	})
	registry.Layers.Register("gru", func() registry.Layer {
		return &GRU{Recurrent: Recurrent{Activation: "tanh", RecurrentActivation: "sigmoid"}, ResetAfter: true}
	})
}

// Recurrent holds the parameters LSTM and GRU share. With bidirectional, a
// second layer of the same kind reads the sequence backwards (its weights
// under the scope "backward", the first one's under "forward"), and the
// output is the two layers' outputs concatenated, Keras's Bidirectional with
// merge_mode "concat": the last outputs, or with return_sequences each
// step's, the backward one's aligned to the step it read.
//
// With a padding mask (registry.MaskUser), a padded step leaves the state
// unchanged, so the last output is the state after the last real step; with
// return_sequences a padded step outputs the previous step's output (Keras's
// RNN), or zeros when bidirectional (Keras's Bidirectional).
type Recurrent struct {
	Units               int    `yaml:"units"`
	Activation          string `yaml:"activation"`
	RecurrentActivation string `yaml:"recurrent_activation"`
	ReturnSequences     bool   `yaml:"return_sequences"`
	Bidirectional       bool   `yaml:"bidirectional,omitempty"` // omitted at its default: config hashes stay put
}

// validate checks units and the two activations.
func (c *Recurrent) validate(r registry.Reporter) {
	required(r, "units", c.Units)
	validActivation(r.Field("activation"), c.Activation)
	validActivation(r.Field("recurrent_activation"), c.RecurrentActivation)
}

// gate applies the recurrent activation.
func (c *Recurrent) gate(x *graph.Node) *graph.Node { return activate(c.RecurrentActivation, x) }

// act applies the activation.
func (c *Recurrent) act(x *graph.Node) *graph.Node { return activate(c.Activation, x) }

// KeepsMask is return_sequences: the output then has the input's steps.
func (c *Recurrent) KeepsMask() bool { return c.ReturnSequences }

// state is a recurrent layer's state: h, and an LSTM's cell c; nil at the
// start stands for zeros.
type state struct{ h, c *graph.Node }

// cell is one direction of a recurrent layer: every step's input
// projection [batch, gates] and the step from one state to the next.
type cell struct {
	steps []*graph.Node
	step  func(xt *graph.Node, s state) state
}

// build runs the layer whose direction newCell makes (with its weights in
// the given scope) over x, masked by mask (nil: none), in one or both
// directions.
func (c *Recurrent) build(ctx *mlctx.Context, x, mask *graph.Node, newCell func(ctx *mlctx.Context, x *graph.Node) cell) (*graph.Node, error) {
	if err := needSequence(x); err != nil {
		return nil, err
	}
	steps := stepMasks(mask, c.Units)
	if !c.Bidirectional {
		return c.output(run(newCell(ctx, x), steps, false, false)), nil
	}
	fw := c.output(run(newCell(ctx.In("forward"), x), steps, false, c.ReturnSequences))
	bw := c.output(run(newCell(ctx.In("backward"), x), steps, true, c.ReturnSequences))
	return graph.Concatenate([]*graph.Node{fw, bw}, -1), nil
}

// output returns the last output, or with return_sequences every step's
// stacked as [batch, timesteps, units].
func (c *Recurrent) output(outs []*graph.Node, last *graph.Node) *graph.Node {
	if !c.ReturnSequences {
		return last
	}
	return graph.Stack(outs, 1)
}

// stepMasks returns mask [batch, timesteps] as each step's [batch, units]
// (nil for no mask).
func stepMasks(mask *graph.Node, units int) []*graph.Node {
	if mask == nil {
		return nil
	}
	dims := mask.Shape().Dimensions
	out := make([]*graph.Node, dims[1])
	for t := range out {
		out[t] = graph.BroadcastToDims(graph.SliceAxis(mask, 1, graph.AxisElem(t)), dims[0], units)
	}
	return out
}

// run runs c over its steps, from the last to the first when reverse, and
// returns each step's output in the steps' order and the last state's h.
// Where masks[t] is false, step t leaves the state unchanged and outputs the
// previous output, or zeros when zeroMasked.
func run(c cell, masks []*graph.Node, reverse, zeroMasked bool) ([]*graph.Node, *graph.Node) {
	outs := make([]*graph.Node, len(c.steps))
	var s state
	var zeros *graph.Node
	for k := range c.steps {
		t := k
		if reverse {
			t = len(c.steps) - 1 - k
		}
		next := c.step(c.steps[t], s)
		if masks == nil {
			s, outs[t] = next, next.h
			continue
		}
		if zeros == nil {
			zeros = graph.ZerosLike(next.h)
		}
		keep := func(new, old *graph.Node) *graph.Node {
			if new == nil {
				return nil
			}
			if old == nil {
				old = zeros
			}
			return graph.Where(masks[t], new, old)
		}
		s = state{h: keep(next.h, s.h), c: keep(next.c, s.c)}
		outs[t] = s.h
		if zeroMasked {
			outs[t] = graph.Where(masks[t], next.h, zeros)
		}
	}
	return outs, s.h
}

// LSTM is Keras's LSTM layer on input (batch, timesteps, features): kernel
// [features, 4·units] and recurrent_kernel [units, 4·units] with the gates
// in the order input, forget, cell, output, and one bias [4·units]; the
// state starts at zero. It returns the last output (batch, units), or with
// return_sequences every step's (batch, timesteps, units); twice the units
// when bidirectional.
type LSTM struct {
	Recurrent      `yaml:",inline"`
	UnitForgetBias bool `yaml:"unit_forget_bias"`
}

var _ registry.MaskUser = (*LSTM)(nil)

// Validate checks units and the activations.
func (l *LSTM) Validate(r registry.Reporter) { l.validate(r) }

// Build adds the layer, unrolled over the timesteps.
func (l *LSTM) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return l.build(ctx, x, nil, l.cell)
}

// BuildMasked is Build with a padding mask.
func (l *LSTM) BuildMasked(ctx *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error) {
	return l.build(ctx, xs[0], masks[0], l.cell)
}

// cell creates one direction's weights in ctx.
func (l *LSTM) cell(ctx *mlctx.Context, x *graph.Node) cell {
	u, d := l.Units, x.Shape().Dimensions[2]
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), d, 4*u)
	rec := variable(ctx, x, "recurrent_kernel", orthogonal(ctx), u, 4*u)
	biasInit := initializers.Zero
	if l.UnitForgetBias {
		biasInit = forgetBias(u)
	}
	bias := variable(ctx, x, "bias", biasInit, 4*u)
	step := func(z *graph.Node, s state) state {
		if s.h != nil { // h·recurrent_kernel is zero at the first step
			z = graph.Add(z, graph.Dot(s.h, rec))
		}
		g := split(z, 1, equal(4, u)...)
		in, cand, out := l.gate(g[0]), l.act(g[2]), l.gate(g[3])
		c := graph.Mul(in, cand)
		if s.c != nil {
			c = graph.Add(graph.Mul(l.gate(g[1]), s.c), c)
		}
		return state{h: graph.Mul(out, l.act(c)), c: c}
	}
	return cell{steps: inputSteps(x, kernel, bias), step: step}
}

// GRU is Keras's GRU layer on input (batch, timesteps, features): kernel
// [features, 3·units] and recurrent_kernel [units, 3·units] with the gates
// in the order update, reset, candidate. With reset_after (Keras's default,
// and PyTorch's GRU) the reset gate multiplies the recurrent projection,
// and the bias is [2, 3·units]: input bias, recurrent bias; without, the
// reset gate multiplies the state before its projection and the bias is
// one [3·units]. The state starts at zero; the output is as LSTM's.
type GRU struct {
	Recurrent  `yaml:",inline"`
	ResetAfter bool `yaml:"reset_after"`
}

var _ registry.MaskUser = (*GRU)(nil)

// Validate checks units and the activations.
func (l *GRU) Validate(r registry.Reporter) { l.validate(r) }

// Build adds the layer, unrolled over the timesteps.
func (l *GRU) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return l.build(ctx, x, nil, l.cell)
}

// BuildMasked is Build with a padding mask.
func (l *GRU) BuildMasked(ctx *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error) {
	return l.build(ctx, xs[0], masks[0], l.cell)
}

// cell creates one direction's weights in ctx.
func (l *GRU) cell(ctx *mlctx.Context, x *graph.Node) cell {
	u, d := l.Units, x.Shape().Dimensions[2]
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), d, 3*u)
	rec := variable(ctx, x, "recurrent_kernel", orthogonal(ctx), u, 3*u)
	var step func(xt, h *graph.Node) *graph.Node
	var inBias *graph.Node
	if l.ResetAfter {
		bias := variable(ctx, x, "bias", initializers.Zero, 2, 3*u)
		b := split(bias, 0, 1, 1)
		inBias = graph.Reshape(b[0], 3*u)
		recBias := b[1] // [1, 3·units], broadcast over the batch
		step = func(xt, h *graph.Node) *graph.Node { return l.stepResetAfter(xt, h, rec, recBias) }
	} else {
		inBias = variable(ctx, x, "bias", initializers.Zero, 3*u)
		recParts := split(rec, 1, 2*u, u)
		step = func(xt, h *graph.Node) *graph.Node { return l.stepResetBefore(xt, h, recParts[0], recParts[1]) }
	}
	return cell{
		steps: inputSteps(x, kernel, inBias),
		step:  func(xt *graph.Node, s state) state { return state{h: step(xt, s.h)} },
	}
}

// stepResetAfter returns the state after one step from h (nil: zero) and
// the step's input projection xt [batch, 3·units]: z and r from xt + h·rec
// + recBias, candidate act(xt_h + r·(h·rec_h + recBias_h)).
func (l *GRU) stepResetAfter(xt, h, rec, recBias *graph.Node) *graph.Node {
	u := l.Units
	r := recBias
	if h != nil {
		r = graph.Add(graph.Dot(h, rec), recBias)
	}
	xs, rs := split(xt, 1, u, u, u), split(r, 1, u, u, u)
	z := l.gate(graph.Add(xs[0], rs[0]))
	reset := l.gate(graph.Add(xs[1], rs[1]))
	cand := l.act(graph.Add(xs[2], graph.Mul(reset, rs[2])))
	return l.mix(z, h, cand)
}

// stepResetBefore is stepResetAfter without reset_after: z and r from
// xt_zr + h·rec_zr, candidate act(xt_h + (r·h)·rec_h).
func (l *GRU) stepResetBefore(xt, h, recZR, recH *graph.Node) *graph.Node {
	u := l.Units
	xs := split(xt, 1, u, u, u)
	if h == nil {
		return l.mix(l.gate(xs[0]), nil, l.act(xs[2]))
	}
	rs := split(graph.Dot(h, recZR), 1, u, u)
	z := l.gate(graph.Add(xs[0], rs[0]))
	reset := l.gate(graph.Add(xs[1], rs[1]))
	cand := l.act(graph.Add(xs[2], graph.Dot(graph.Mul(reset, h), recH)))
	return l.mix(z, h, cand)
}

// mix returns the new state z·h + (1−z)·cand (h nil: zero).
func (l *GRU) mix(z, h, cand *graph.Node) *graph.Node {
	out := graph.Mul(graph.OneMinus(z), cand)
	if h == nil {
		return out
	}
	return graph.Add(graph.Mul(z, h), out)
}
