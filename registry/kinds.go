package registry

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// Reporter collects the problems found in one part of a config file, each at
// its key's position: Validate methods call r.Field("units").Errorf(…), and
// exp prints `FILE:LINE:COL: model.layers[2].units: …`. Every problem is
// reported; validation goes on after the first one.
type Reporter interface {
	// Field returns a Reporter for the key name of the current mapping
	// (positioned at the mapping itself when the key is absent).
	Field(name string) Reporter
	// Index returns a Reporter for element i of the current list.
	Index(i int) Reporter
	// Has reports whether the current mapping has the key name.
	Has(name string) bool
	// Errorf records a problem at the current position.
	Errorf(format string, args ...any)
}

// Layer is one configured layer of a model: a struct whose exported fields,
// tagged `yaml:"key"`, are decoded from the layer's YAML mapping (every key
// but `type`, `name` and `inputs`). The fields' types may be bool, integers,
// floats, strings, slices and maps of those, and structs of those.
type Layer interface {
	// Validate checks the layer's parameters, reporting each problem at its
	// key: r points at the layer's mapping.
	Validate(r Reporter)

	// Build adds the layer to the graph. x is the previous layer's output,
	// batch axis first; ctx is scoped to this layer (its variables are the
	// layer's weights), and ctx.IsTraining(x.Graph()) tells training from
	// evaluation. An input the layer cannot take is an error; a *FieldError
	// blames one parameter.
	Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error)
}

// MultiInput is implemented by layers that combine several inputs (add,
// concat): BuildInputs receives the outputs of the layers named by the
// layer's `inputs:` key, in order. Its Build is called when it has a
// single input, and may simply call BuildInputs with it.
type MultiInput interface {
	Layer
	BuildInputs(ctx *mlctx.Context, xs []*graph.Node) (*graph.Node, error)
}

// Activated is implemented by layers that end in a configurable activation,
// so that a final softmax can be folded into the cross-entropy loss.
type Activated interface {
	Layer
	// ActivationName returns the activation the layer ends with.
	ActivationName() string
	// BuildLinear is Build without the final activation.
	BuildLinear(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error)
}

// FieldError is returned by Layer.Build to blame one of the layer's keys.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "FIELD: MSG".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// FieldErrorf returns a *FieldError for field.
func FieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// LayerFactory returns a new layer holding its defaults, ready to be
// decoded into.
type LayerFactory func() Layer

// Layers is the registry of layer types, by the name used in `type:`.
var Layers = New[LayerFactory]("layer")

// Activation is an elementwise (or, for softmax, last-axis) function.
type Activation func(x *graph.Node) *graph.Node

// Activations is the registry of activation functions.
var Activations = New[Activation]("activation")

// Optimizer is a configured optimizer: a struct decoded from the mapping form
// of `train.optimizer` (every key but `name`).
type Optimizer interface {
	// Validate checks the optimizer's parameters.
	Validate(r Reporter)
	// Apply adds to the graph one update of every variable in vars given its
	// gradient in grads. lr is the learning rate of this step, a scalar
	// node of the variables' dtype, so that a schedule can change it from
	// step to step. The optimizer's own state (moments, step count) lives
	// in variables under ctx.
	Apply(ctx *mlctx.Context, lr *graph.Node, vars []*mlctx.Variable, grads []*graph.Node)
}

// OptimizerFactory returns a new optimizer holding its defaults.
type OptimizerFactory func() Optimizer

// Optimizers is the registry of optimizers.
var Optimizers = New[OptimizerFactory]("optimizer")

// Loss is a loss function.
type Loss struct {
	// Classification is true for losses that take class labels; accuracy is
	// then measured too.
	Classification bool
	// PerExample returns the loss of each example, shape [batch]. out is the
	// model's output; fromLogits tells whether it is logits (a final softmax
	// was folded into the loss) or the layer stack's own output. labels are
	// int32 class indices [batch] or float32 targets [batch, k].
	PerExample func(out, labels *graph.Node, fromLogits bool) *graph.Node
	// Doc is a one-line description.
	Doc string
}

// Losses is the registry of loss functions.
var Losses = New[Loss]("loss")
