package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/grads" // gradient formulations every backend can run
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// Scope is the context scope holding the layers' variables.
const Scope = "/model"

// Model is a config's layer stack and loss, ready to be built into graphs.
type Model struct {
	Layers []config.Layer
	Names  []string // each layer's scope name
	// Sources holds, for each layer, the positions of the layers it takes as
	// input, -1-k standing for the data's input k (config.Sources).
	Sources [][]int
	Loss    registry.Loss
	// FoldSoftmax is true when the last layer ends in a softmax that the
	// cross-entropy loss takes over: the stack then outputs logits.
	FoldSoftmax  bool
	Info         registry.DataInfo
	Optimizer    registry.Optimizer
	LearningRate float64
	// LabelSmoothing is train.label_smoothing (0: off).
	LabelSmoothing float64
	// ClassWeights weighs each training example's loss by its class (nil:
	// all 1); see config.ClassWeight.Of.
	ClassWeights []float64
	// Clip is the gradient clipping of train.optimizer.
	Clip config.Clip
	// input is what the graph does to the inputs before the first layer
	// (an image dataset's color_mode and normalize).
	input inputTransform
}

// New prepares the model of a validated config.
func New(cfg *config.Config) (*Model, error) {
	loss, err := registry.Losses.Lookup(cfg.Train.Loss)
	if err != nil {
		return nil, err
	}
	m := &Model{
		Layers: cfg.Model.Layers, Loss: loss, Info: cfg.Data.Params.Info(),
		Optimizer: cfg.Train.Optimizer.Spec, LearningRate: cfg.Train.LearningRate,
		LabelSmoothing: cfg.Train.LabelSmoothing, Clip: cfg.Train.Optimizer.Clip,
	}
	m.input = newInputTransform(cfg.Data.Params)
	m.Names = LayerNames(cfg.Model.Layers)
	m.Sources = config.Sources(cfg.Model.Layers, m.Info.ModelInputs())
	if n := len(m.Layers); n > 0 && loss.Classification {
		if a, ok := m.Layers[n-1].Spec.(registry.Activated); ok && a.ActivationName() == "softmax" {
			m.FoldSoftmax = true
		}
	}
	return m, nil
}

// LayerNames returns each layer's name: its own, or Keras-style its type with
// a counter ("dense", "dense_1", …).
func LayerNames(layers []config.Layer) []string { return config.LayerNames(layers) }

// LayerError is a layer that could not be built.
type LayerError struct {
	Index int    // position in model.layers
	Type  string // the layer's type
	Field string // the parameter to blame, if any
	Err   error
}

// Error returns "model.layers[i] (type): message", or with a parameter to
// blame "model.layers[i].field (type): message".
func (e *LayerError) Error() string {
	return LayerPath(e.Index, e.Field, e.Type) + ": " + e.Err.Error()
}

// LayerPath returns "model.layers[i]" or "model.layers[i].field" followed
// by the layer's type in parentheses.
func LayerPath(i int, field, typ string) string {
	p := fmt.Sprintf("model.layers[%d]", i)
	if field != "" {
		p += "." + field
	}
	return p + " (" + typ + ")"
}

// Unwrap returns the underlying error.
func (e *LayerError) Unwrap() error { return e.Err }

// Forward builds the layer stack on x (batch axis first), the model's only
// input, and returns its output: logits when FoldSoftmax. A layer that
// cannot be built, whether it says so or GoMLX panics, is a *LayerError.
func (m *Model) Forward(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return m.forward(ctx, []*graph.Node{x}, nil)
}

// ForwardInputs is Forward for a model of any number of inputs: ins are
// the data's inputs, in the order of Info.ModelInputs.
func (m *Model) ForwardInputs(ctx *mlctx.Context, ins []*graph.Node) (*graph.Node, error) {
	return m.forward(ctx, ins, nil)
}

// NumInputs is the number of the model's inputs.
func (m *Model) NumInputs() int { return len(m.Info.ModelInputs()) }

func (m *Model) forward(ctx *mlctx.Context, ins []*graph.Node, each func(i int, out *graph.Node)) (*graph.Node, error) {
	mctx := ctx.InAbsPath(Scope)
	if len(ins) == 1 { // images: color_mode and normalize (m.input)
		ins = []*graph.Node{m.input.apply(ins[0])}
	}
	outs := make([]*graph.Node, len(m.Layers))
	masks := make([]*graph.Node, len(m.Layers)) // each output's padding mask (nil: none)
	for i, l := range m.Layers {
		xs := make([]*graph.Node, len(m.Sources[i]))
		xm := make([]*graph.Node, len(m.Sources[i]))
		for k, j := range m.Sources[i] {
			switch {
			case j >= 0:
				xs[k], xm[k] = outs[j], masks[j]
			case j != config.NoSource && -1-j < len(ins):
				xs[k] = ins[-1-j]
			case k < len(l.Inputs): // config validation reports it
				return nil, &LayerError{Index: i, Type: l.Type, Field: "inputs", Err: fmt.Errorf("unknown layer %q", l.Inputs[k])}
			default:
				return nil, &LayerError{Index: i, Type: l.Type, Field: "inputs", Err: fmt.Errorf("the data has %d inputs: name the ones this layer takes", len(ins))}
			}
		}
		last := i == len(m.Layers)-1
		y, mask, err := buildLayer(mctx.In(m.Names[i]), l.Spec, xs, xm, last && m.FoldSoftmax)
		if err != nil {
			le := &LayerError{Index: i, Type: l.Type, Err: err}
			var fe *registry.FieldError
			if errors.As(err, &fe) {
				le.Field, le.Err = fe.Field, errors.New(fe.Msg)
			}
			return nil, le
		}
		outs[i], masks[i] = y, mask
		if each != nil {
			each(i, y)
		}
	}
	return outs[len(outs)-1], nil
}

// buildLayer builds one layer on its inputs xs, whose padding masks are
// masks (nil for an input without one), turning a GoMLX panic into an
// error that names the inputs' shapes. A merge layer gets all of xs; any
// other layer the one input. It returns the output and its mask, as
// registry.MaskFlow describes.
func buildLayer(ctx *mlctx.Context, l registry.Layer, xs, masks []*graph.Node, linear bool) (out, mask *graph.Node, err error) {
	if p := Catch(func() { out, mask, err = buildMasked(ctx, l, xs, masks, linear) }); p != nil {
		var in []string
		for _, x := range xs {
			in = append(in, shapeString(x.Shape().Dimensions))
		}
		return nil, nil, fmt.Errorf("cannot take input %s: %s", strings.Join(in, " and "), p.Brief())
	}
	return out, mask, err
}

// buildMasked is buildLayer without the panic boundary.
func buildMasked(ctx *mlctx.Context, l registry.Layer, xs, masks []*graph.Node, linear bool) (out, mask *graph.Node, err error) {
	masked := slices.ContainsFunc(masks, func(m *graph.Node) bool { return m != nil })
	keeps, ok := registry.MaskFlow(l, masked)
	if !ok { // config validation reports it first
		return nil, nil, errors.New("takes no padding mask, but its input has one")
	}
	if u, user := l.(registry.MaskUser); user && masked {
		out, err = u.BuildMasked(ctx, xs, masks)
		if keeps {
			mask = masks[0]
		}
		return out, mask, err
	}
	out, err = buildUnmasked(ctx, l, xs, linear)
	switch {
	case err != nil || !keeps:
		return out, nil, err
	case masked: // a MaskPasser
		for _, m := range masks {
			if m != nil && mask != nil {
				mask = graph.LogicalAnd(mask, m)
			} else if m != nil {
				mask = m
			}
		}
		return out, mask, nil
	default:
		return out, l.(registry.MaskMaker).Mask(xs[0]), nil
	}
}

// buildUnmasked builds l on xs with Build, BuildInputs or BuildLinear.
func buildUnmasked(ctx *mlctx.Context, l registry.Layer, xs []*graph.Node, linear bool) (*graph.Node, error) {
	if mi, ok := l.(registry.MultiInput); ok {
		return mi.BuildInputs(ctx, xs)
	}
	if linear {
		return l.(registry.Activated).BuildLinear(ctx, xs[0])
	}
	return l.Build(ctx, xs[0])
}

// layerReporter returns a Reporter at layer i of model.layers (or its key
// field) whose path names the layer's type: "model.layers[2] (conv2d)".
func layerReporter(layers *yamlx.Reporter, i int, field, typ string) *yamlx.Reporter {
	lr := layers.Index(i)
	if field != "" {
		lr = lr.Field(field)
	}
	return lr.At(lr.Path()+" ("+typ+")", lr.Node())
}

// summaryRow describes layer i, whose output is out.
func (m *Model) summaryRow(i int, out *graph.Node) SummaryRow {
	row := SummaryRow{Name: m.Names[i], Type: m.Layers[i].Type, Output: out.Shape().Dimensions}
	ins := m.Info.ModelInputs()
	if n, ok := m.Layers[i].Spec.(noter); ok {
		row.Notes = n.Notes()
	}
	for _, j := range m.Sources[i] {
		name := config.InputName
		switch {
		case j >= 0:
			name = m.Names[j]
		case j != config.NoSource && -1-j < len(ins):
			name = ins[-1-j].Name
		}
		row.Inputs = append(row.Inputs, name)
	}
	return row
}

func shapeString(dims []int) string {
	if len(dims) == 0 {
		return "()"
	}
	s := "(None"
	for _, d := range dims[1:] {
		s += fmt.Sprintf(", %d", d)
	}
	return s + ")"
}

// Targets returns the shape of a batch of labels or targets.
func (m *Model) Targets(batch int) shapes.Shape {
	if m.Info.Classification() {
		return shapes.Make(dtypes.Int32, batch)
	}
	return shapes.Make(dtypes.Float32, batch, m.Info.TargetDim)
}

// Inputs returns the shape of a batch of the model's first (for most
// models, only) input.
func (m *Model) Inputs(batch int) shapes.Shape { return m.InputShapes(batch)[0] }

// InputShapes returns the shapes of a batch of each of the model's inputs,
// in the order of Info.ModelInputs: float32 or int32.
func (m *Model) InputShapes(batch int) []shapes.Shape {
	ins := m.Info.ModelInputs()
	out := make([]shapes.Shape, len(ins))
	for k, in := range ins {
		dt := dtypes.Float32
		if in.Type() == registry.Int32 {
			dt = dtypes.Int32
		}
		out[k] = shapes.Make(dt, append([]int{batch}, in.Shape...)...)
	}
	return out
}

// checkOutput returns an error unless out fits the loss and dataset.
func (m *Model) checkOutput(out *graph.Node) error {
	dims := out.Shape().Dimensions
	want := m.Info.TargetDim
	what := fmt.Sprintf("%d regression target(s)", want)
	if m.Info.Classification() {
		want, what = m.Info.NumClasses, fmt.Sprintf("one score per class (%d classes)", m.Info.NumClasses)
	}
	if len(dims) != 2 || dims[1] != want {
		return fmt.Errorf("the model's output %s does not fit the data: the loss needs (None, %d), %s; end the stack with a dense layer of %d units",
			shapeString(dims), want, what, want)
	}
	return nil
}

// SummaryRow is one layer in a model summary.
type SummaryRow struct {
	Name, Type   string
	Output       []int    // with the batch axis
	Inputs       []string // the names of the layers it takes ("input": the model's input)
	Params       int
	NonTrainable int
	// Notes describe the layer beyond its row (an imported ONNX graph:
	// its file, cut, parameters and ops), a line each.
	Notes []string
}

// noter is implemented by layers that describe themselves, as built, in
// a summary's notes.
type noter interface {
	// Notes returns lines describing the layer as last built.
	Notes() []string
}

// Summary describes a built model, Keras-style.
type Summary struct {
	Rows                           []SummaryRow
	Total, Trainable, NonTrainable int
	// Connected is true when some layer names its inputs: the model is a
	// graph rather than a stack, and its summary shows the connections.
	Connected bool
	Input     []int // the first input's shape, with the batch axis
	// Inputs are the model's inputs, in order.
	Inputs []SummaryInput
}

// SummaryInput is one of a model's inputs in its summary.
type SummaryInput struct {
	Name  string
	Shape []int // with the batch axis
	DType registry.DType
}

// Inspect builds the model's training graph once on backend, without running
// it, and returns its summary. Layers that cannot be built and an output that
// does not fit the loss are reported against cfg's source, at the offending
// layer (or parameter).
func Inspect(cfg *config.Config, backend backends.Backend) (*Summary, yamlx.ErrorList) {
	m, err := New(cfg)
	r := yamlx.NewReporter(cfg.Source)
	if err != nil {
		r.Field("train").Field("loss").Errorf("%v", err)
		return nil, r.Errors()
	}
	var sum Summary
	if p := Catch(func() { m.inspect(backend, r, &sum) }); p != nil {
		r.Field("model").Errorf("cannot build the model: %s", p.Brief())
	}
	if errs := r.Errors(); len(errs) > 0 {
		return nil, errs
	}
	return &sum, nil
}

// inspect builds m's training graph on backend into sum, reporting at r
// what cannot be built.
func (m *Model) inspect(backend backends.Backend, r *yamlx.Reporter, sum *Summary) {
	layersR := r.Field("model").Field("layers")
	g := graph.NewGraph(backend, "inspect")
	defer g.Finalize()
	ctx := mlctx.New()
	ctx.SetTraining(g, true)
	ins := m.Info.ModelInputs()
	xs := make([]*graph.Node, len(ins))
	for k, shape := range m.InputShapes(2) {
		name := "x"
		if k > 0 {
			name = fmt.Sprintf("x%d", k)
		}
		xs[k] = graph.Parameter(g, name, shape)
		sum.Inputs = append(sum.Inputs, SummaryInput{Name: ins[k].Name, Shape: shape.Dimensions, DType: ins[k].Type()})
	}
	sum.Input = xs[0].Shape().Dimensions
	out, err := m.forward(ctx, xs, func(i int, out *graph.Node) {
		sum.Rows = append(sum.Rows, m.summaryRow(i, out))
		sum.Connected = sum.Connected || len(m.Layers[i].Inputs) > 0
	})
	if err != nil {
		var le *LayerError
		if errors.As(err, &le) {
			layerReporter(layersR, le.Index, le.Field, le.Type).Errorf("%v", le.Err)
			return
		}
		r.Field("model").Errorf("%v", err)
		return
	}
	if err := m.checkOutput(out); err != nil {
		n := len(m.Layers) - 1
		layerReporter(layersR, n, "", m.Layers[n].Type).Errorf("%v", err)
		return
	}
	sum.count(ctx)
}

// count adds up each row's parameters, the variables under its scope in
// ctx, and the totals.
func (sum *Summary) count(ctx *mlctx.Context) {
	for v := range ctx.IterVariables() {
		scope := strings.TrimPrefix(v.Scope(), Scope+mlctx.ScopeSeparator)
		name, _, _ := strings.Cut(scope, mlctx.ScopeSeparator)
		for i := range sum.Rows {
			if sum.Rows[i].Name == mlctx.EscapeScopeName(name) || sum.Rows[i].Name == name {
				n := v.Shape().Size()
				sum.Rows[i].Params += n
				if !v.Trainable {
					sum.Rows[i].NonTrainable += n
				}
			}
		}
	}
	for _, row := range sum.Rows {
		sum.Total += row.Params
		sum.NonTrainable += row.NonTrainable
	}
	sum.Trainable = sum.Total - sum.NonTrainable
}
