package main

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	// The factory returns the layer holding its defaults; the keys of the
	// layer's YAML mapping are then decoded over them.
	registry.Layers.Register("swish", func() registry.Layer { return &Swish{Beta: 1, Trainable: true} })
}

// Swish is the activation x·sigmoid(β·x) as a layer, with one β per feature
// of the last axis. In a config's model.layers it is written
// {type: swish, beta: 1.0, trainable: true}.
type Swish struct {
	Beta      float64 `yaml:"beta"`      // the initial β of every feature (default 1)
	Trainable bool    `yaml:"trainable"` // β is learnt (default true); if false, β stays fixed and the layer has no weights
}

// Swish is a registry.Layer.
var _ registry.Layer = (*Swish)(nil)

// Validate reports a β that is not a positive finite number at the key beta,
// e.g. `model.yaml:18:24: model.layers[1].beta: must be > 0, got -1`.
func (s *Swish) Validate(r registry.Reporter) {
	if !(s.Beta > 0) || math.IsInf(s.Beta, 0) {
		r.Field("beta").Errorf("must be > 0, got %g", s.Beta)
	}
}

// Build returns x·sigmoid(β·x). With trainable β, β is the layer's variable
// "beta", one value per feature of x's last axis, starting at s.Beta.
func (s *Swish) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if x.Rank() < 2 {
		return nil, registry.FieldErrorf("type", "swish needs a batch axis and at least one feature axis, got rank %d", x.Rank())
	}
	g := x.Graph()
	beta := graph.Scalar(g, x.DType(), s.Beta)
	if s.Trainable {
		features := x.Shape().Dimensions[x.Rank()-1]
		init := func(g *graph.Graph, shape shapes.Shape) *graph.Node {
			return graph.BroadcastToDims(graph.Scalar(g, shape.DType, s.Beta), shape.Dimensions...)
		}
		v := ctx.WithInitializer(init).VariableWithShape("beta", shapes.Make(x.DType(), features))
		beta = graph.ExpandLeftToRank(v.ValueGraph(g), x.Rank())
	}
	return graph.Mul(x, graph.Sigmoid(graph.Mul(beta, x))), nil
}
