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

// Recurrent holds the parameters LSTM and GRU share.
type Recurrent struct {
	Units               int    `yaml:"units"`
	Activation          string `yaml:"activation"`
	RecurrentActivation string `yaml:"recurrent_activation"`
	ReturnSequences     bool   `yaml:"return_sequences"`
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

// LSTM is Keras's LSTM layer on input (batch, timesteps, features): kernel
// [features, 4·units] and recurrent_kernel [units, 4·units] with the gates
// in the order input, forget, cell, output, and one bias [4·units]; the
// state starts at zero. It returns the last output (batch, units), or with
// return_sequences every step's (batch, timesteps, units).
type LSTM struct {
	Recurrent      `yaml:",inline"`
	UnitForgetBias bool `yaml:"unit_forget_bias"`
}

// Validate checks units and the activations.
func (l *LSTM) Validate(r registry.Reporter) { l.validate(r) }

// Build adds the layer, unrolled over the timesteps.
func (l *LSTM) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needSequence(x); err != nil {
		return nil, err
	}
	u, d := l.Units, x.Shape().Dimensions[2]
	kernel := variable(ctx, x, "kernel", initializers.GlorotUniformFn(ctx), d, 4*u)
	rec := variable(ctx, x, "recurrent_kernel", orthogonal(ctx), u, 4*u)
	biasInit := initializers.Zero
	if l.UnitForgetBias {
		biasInit = forgetBias(u)
	}
	bias := variable(ctx, x, "bias", biasInit, 4*u)
	var h, c *graph.Node
	var outs []*graph.Node
	for _, z := range inputSteps(x, kernel, bias) {
		if h != nil { // h·recurrent_kernel is zero at the first step
			z = graph.Add(z, graph.Dot(h, rec))
		}
		g := split(z, 1, equal(4, u)...)
		in, cand, out := l.gate(g[0]), l.act(g[2]), l.gate(g[3])
		if c == nil {
			c = graph.Mul(in, cand)
		} else {
			c = graph.Add(graph.Mul(l.gate(g[1]), c), graph.Mul(in, cand))
		}
		h = graph.Mul(out, l.act(c))
		outs = append(outs, h)
	}
	return sequenceOutput(outs, l.ReturnSequences), nil
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

// Validate checks units and the activations.
func (l *GRU) Validate(r registry.Reporter) { l.validate(r) }

// Build adds the layer, unrolled over the timesteps.
func (l *GRU) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needSequence(x); err != nil {
		return nil, err
	}
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
	var h *graph.Node
	var outs []*graph.Node
	for _, xt := range inputSteps(x, kernel, inBias) {
		h = step(xt, h)
		outs = append(outs, h)
	}
	return sequenceOutput(outs, l.ReturnSequences), nil
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
