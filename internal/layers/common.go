package layers

import (
	"fmt"
	"math"

	"gopkg.in/yaml.v3"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// Pair is a height-and-width parameter (kernel_size, strides, pool_size),
// written as one integer for both or as a list [height, width].
type Pair [2]int

// UnmarshalYAMLX decodes an integer or a list of two integers.
func (p *Pair) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := yamlx.Resolve(r.Node())
	if i, ok := yamlx.ScalarInt(n); ok {
		if i > math.MaxInt32 || i < math.MinInt32 {
			r.Errorf("%d is out of range", i)
			return
		}
		*p = Pair{int(i), int(i)}
		return
	}
	if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
		for k := range 2 {
			i, ok := yamlx.ScalarInt(n.Content[k])
			if !ok || i > math.MaxInt32 || i < math.MinInt32 {
				r.Index(k).Errorf("must be an integer, got %s", yamlx.Describe(n.Content[k]))
				return
			}
			p[k] = int(i)
		}
		return
	}
	r.Errorf("must be an integer or a list [height, width], got %s", yamlx.Describe(n))
}

// MarshalYAMLX encodes the pair as a flow list [height, width].
func (p Pair) MarshalYAMLX() *yaml.Node {
	return yamlx.Encode([]int{p[0], p[1]})
}

// String formats the pair as "3×3".
func (p Pair) String() string { return fmt.Sprintf("%d×%d", p[0], p[1]) }

func (p Pair) validatePositive(r registry.Reporter) {
	if p[0] <= 0 || p[1] <= 0 {
		r.Errorf("must be > 0, got %s", p)
	}
}

// validActivation reports an unknown activation name.
func validActivation(r registry.Reporter, name string) {
	if _, err := registry.Activations.Lookup(name); err != nil {
		r.Errorf("%v", err)
	}
}

// activate applies the named activation (validated before).
func activate(name string, x *graph.Node) *graph.Node {
	fn, err := registry.Activations.Lookup(name)
	if err != nil {
		panic(err)
	}
	return fn(x)
}

func validPadding(r registry.Reporter, padding string) {
	if padding != "valid" && padding != "same" {
		r.Errorf("must be \"valid\" or \"same\", got %q", padding)
	}
}

// needRank returns an error unless x has the given rank (batch axis included).
func needRank(x *graph.Node, rank int, what string) error {
	if x.Rank() != rank {
		return fmt.Errorf("needs %s input (batch%s), got %s", what, map[int]string{2: ", features", 3: ", steps, channels", 4: ", height, width, channels"}[rank], ShapeString(x.Shape().Dimensions))
	}
	return nil
}

// ShapeString formats dims Keras-style with the batch axis as None: (None, 28, 28, 1).
func ShapeString(dims []int) string {
	s := "(None"
	for _, d := range dims[1:] {
		s += fmt.Sprintf(", %d", d)
	}
	return s + ")"
}

// outSize returns a convolution or pooling's output size along one axis and
// its padding (before, after), Keras/TensorFlow style.
func outSize(in, k, stride int, padding string) (out int, pad [2]int) {
	if padding == "same" {
		out = (in + stride - 1) / stride
		total := max((out-1)*stride+k-in, 0)
		return out, [2]int{total / 2, total - total/2}
	}
	if in < k {
		return 0, pad
	}
	return (in-k)/stride + 1, pad
}

// variable returns a float32 variable of ctx named name, created with init.
func variable(ctx *mlctx.Context, x *graph.Node, name string, init mlctx.VariableInitializer, dims ...int) *graph.Node {
	v := ctx.WithInitializer(init).VariableWithShape(name, shapeOf(x, dims...))
	return v.ValueGraph(x.Graph())
}

// required reports a missing or non-positive count parameter.
func required(r registry.Reporter, key string, v int) {
	switch {
	case !r.Has(key):
		r.Field(key).Errorf("is required")
	case v <= 0:
		r.Field(key).Errorf("must be > 0, got %d", v)
	}
}
