package layers

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/exp-runner/exp/registry"
)

func init() {
	for name, fn := range map[string]registry.Activation{
		"linear":  func(x *graph.Node) *graph.Node { return x },
		"relu":    func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType())) },
		"relu6":   func(x *graph.Node) *graph.Node { return graph.ClipScalar(x, 0, 6) },
		"sigmoid": graph.Logistic,
		"tanh":    graph.Tanh,
		"softmax": func(x *graph.Node) *graph.Node { return graph.Softmax(x, -1) },
		"log_softmax": func(x *graph.Node) *graph.Node {
			return graph.LogSoftmax(x, -1)
		},
		"softplus": graph.Softplus,
		"softsign": func(x *graph.Node) *graph.Node { return graph.Div(x, graph.OnePlus(graph.Abs(x))) },
		"swish":    func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Logistic(x)) },
		"silu":     func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Logistic(x)) },
		// gelu is Keras's default (exact) form: x·Φ(x) = x/2·(1 + erf(x/√2)).
		"gelu": func(x *graph.Node) *graph.Node {
			return graph.Mul(graph.MulScalar(x, 0.5), graph.OnePlus(graph.Erf(graph.MulScalar(x, 1/math.Sqrt2))))
		},
		"elu": func(x *graph.Node) *graph.Node {
			return graph.Where(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x, graph.Expm1(x))
		},
		"selu": func(x *graph.Node) *graph.Node {
			const alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
			neg := graph.MulScalar(graph.Expm1(x), alpha)
			return graph.MulScalar(graph.Where(graph.GreaterThan(x, graph.ScalarZero(x.Graph(), x.DType())), x, neg), scale)
		},
		// leaky_relu uses Keras 3's default negative slope, 0.2.
		"leaky_relu":  func(x *graph.Node) *graph.Node { return graph.Max(x, graph.MulScalar(x, 0.2)) },
		"exponential": graph.Exp,
		"hard_sigmoid": func(x *graph.Node) *graph.Node {
			return graph.ClipScalar(graph.AddScalar(graph.DivScalar(x, 6), 0.5), 0, 1)
		},
	} {
		registry.Activations.Register(name, fn)
	}
}
