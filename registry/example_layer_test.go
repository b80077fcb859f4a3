package registry_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// Scale multiplies its input by a constant factor. In a config:
// {type: scale, factor: 0.5}.
type Scale struct {
	Factor float64 `yaml:"factor"`
}

var _ registry.Layer = (*Scale)(nil)

func init() {
	// The factory's value holds the defaults that the YAML keys override.
	registry.Layers.Register("scale", func() registry.Layer { return &Scale{Factor: 1} })
}

// Validate reports a factor that is not a positive finite number.
func (s *Scale) Validate(r registry.Reporter) {
	if !(s.Factor > 0) || math.IsInf(s.Factor, 0) {
		r.Field("factor").Errorf("must be > 0, got %g", s.Factor)
	}
}

// Build returns factor·x.
func (s *Scale) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return graph.MulScalar(x, s.Factor), nil
}

// printReporter prints the problems Validate reports, at their key path;
// exp's own Reporter adds the file, line and column.
type printReporter struct{ path string }

func (p printReporter) Field(name string) registry.Reporter {
	return printReporter{p.path + "." + name}
}
func (p printReporter) Index(i int) registry.Reporter {
	return printReporter{fmt.Sprintf("%s[%d]", p.path, i)}
}
func (p printReporter) Has(name string) bool { return true }
func (p printReporter) Errorf(format string, args ...any) {
	fmt.Printf("%s: %s\n", p.path, fmt.Sprintf(format, args...))
}

// ExampleLayer registers a layer type (in init) and does what exp does with
// `- {type: scale, factor: -2}` at model.layers[1]: it looks the type up,
// makes a layer holding the defaults, decodes the keys into it (here by hand)
// and validates it. A misspelt type gets a suggestion.
func ExampleLayer() {
	newLayer, err := registry.Layers.Lookup("scale")
	if err != nil {
		panic(err)
	}
	l := newLayer()
	fmt.Printf("defaults: %+v\n", *l.(*Scale))
	l.(*Scale).Factor = -2
	l.Validate(printReporter{"model.layers[1]"})

	_, err = registry.Layers.Lookup("scael")
	fmt.Println(err)
	// Output:
	// defaults: {Factor:1}
	// model.layers[1].factor: must be > 0, got -2
	// unknown layer "scael" (known: scale); did you mean "scale"?
}
