package infer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/registry"

	// Everything a config can name registers itself.
	_ "github.com/gomlx/gomlx/backends/simplego"

	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/optim"
)

// Model is a trained model ready for inference.
type Model struct {
	Config *config.Config
	// Preprocessing is the run's preprocessing (JSON; nil for datasets
	// without one, such as mnist).
	Preprocessing []byte
	// Classes are the class names in label order (nil for regression).
	Classes []string
	// PreprocessingSource names where Preprocessing came from, in errors:
	// a model folder's preprocessing.json, or a run's stored
	// preprocessing ("" reads "the preprocessing").
	PreprocessingSource string
	// MaxImagePixels is the most pixels an input image may declare (see
	// images.Options.MaxPixels); 0 takes the run's data.max_image_pixels,
	// else images.DefaultMaxPixels.
	MaxImagePixels int64

	m       *model.Model
	backend backends.Backend
	ctx     *mlctx.Context
	exec    *mlctx.Exec
}

// Open builds cfg's model on its backend and loads the weights of the
// checkpoint folder weights: only the variables the model's prediction
// reads, each of the shape the config gives it, checked before anything is
// allocated, and none holding a NaN or an infinity (see
// checkpoint.LoadWith).
func Open(cfg *config.Config, pre []byte, weights string) (*Model, error) {
	m, err := model.New(cfg)
	if err != nil {
		return nil, err
	}
	be, err := model.NewBackend(cfg.Backend)
	if err != nil {
		return nil, err
	}
	fromFile, want, err := m.FileVariables(be)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Source.File, err)
	}
	ctx := mlctx.New()
	// A frozen backbone's weights are in the checkpoint only once they
	// trained; otherwise the layer reads them from its file.
	o := checkpoint.LoadOptions{Want: want, Optional: fromFile, Only: true, Finite: true}
	if err := checkpoint.LoadWith(weights, "checkpoint "+weights, ctx, o); err != nil {
		return nil, err
	}
	out := &Model{Config: cfg, Preprocessing: pre, m: m, backend: be, ctx: ctx}
	if out.Classes, err = ClassNames(cfg, pre); err != nil {
		return nil, err
	}
	if out.exec, err = mlctx.NewExec(be, ctx.Checked(false), m.ScoreStepInputs); err != nil {
		return nil, err
	}
	return out, nil
}

// ClassNames returns the classes in label order: from the preprocessing
// (classes or class_names), else the label numbers.
func ClassNames(cfg *config.Config, pre []byte) ([]string, error) {
	info := cfg.Data.Params.Info()
	if !info.Classification() {
		return nil, nil
	}
	if len(pre) > 0 {
		var p struct {
			Classes    []string `json:"classes"`
			ClassNames []string `json:"class_names"`
		}
		if err := json.Unmarshal(pre, &p); err != nil {
			return nil, fmt.Errorf("the preprocessing is not valid JSON: %w", err)
		}
		for _, names := range [][]string{p.Classes, p.ClassNames} {
			if len(names) == info.NumClasses {
				return names, nil
			}
		}
	}
	names := make([]string, info.NumClasses)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names, nil
}

// preprocessingName is PreprocessingSource, or "the preprocessing".
func (m *Model) preprocessingName() string {
	if m.PreprocessingSource != "" {
		return m.PreprocessingSource
	}
	return "the preprocessing"
}

// preprocessingError names the preprocessing in err; a missing one is
// said to be missing.
func (m *Model) preprocessingError(err error) error {
	if len(m.Preprocessing) == 0 {
		return fmt.Errorf("%s is missing: the model cannot read %s inputs without it", m.preprocessingName(), m.Config.Data.Dataset)
	}
	return fmt.Errorf("%s: %w", m.preprocessingName(), err)
}

// imageOptions reads the parts of an images run's preprocessing that
// decode new images.
func (m *Model) imageOptions() (imageOptions, error) {
	var o imageOptions
	if err := json.Unmarshal(m.Preprocessing, &o); err != nil {
		return o, m.preprocessingError(fmt.Errorf("not valid JSON: %w", err))
	}
	return o, nil
}

// Classification reports whether the model predicts classes.
func (m *Model) Classification() bool { return m.Classes != nil }

// Shape is the per-example input shape of a model of one input (nil for a
// model of several).
func (m *Model) Shape() []int {
	if ins := m.m.Info.ModelInputs(); len(ins) == 1 {
		return ins[0].Shape
	}
	return nil
}

// Inputs describes the model's inputs, in order.
func (m *Model) Inputs() []registry.Input { return m.m.Info.ModelInputs() }

// Output is what the model says about N examples.
type Output struct {
	N int
	// Probs holds N × len(Classes) class probabilities (classification).
	Probs []float32
	// Pred holds each example's predicted class (classification).
	Pred []int32
	// Values holds N × TargetDim predicted values (regression).
	Values []float32
	// LossSum is the summed loss over the examples when they had labels
	// or targets (as evaluation computes it, batch by batch).
	LossSum float64
}

// Run predicts the examples of s (scoring them too when s has labels or
// targets), in batches of eval_batch_size.
func (m *Model) Run(ctx context.Context, s *registry.Examples) (out *Output, err error) {
	if p := model.Catch(func() { out, err = m.run(ctx, s) }); p != nil {
		return nil, fmt.Errorf("prediction failed: %v", p)
	}
	return out, err
}

// run is Run, whose GoMLX panics Run makes errors.
func (m *Model) run(ctx context.Context, s *registry.Examples) (*Output, error) {
	if err := m.checkInputs(s); err != nil {
		return nil, err
	}
	out := &Output{N: s.N}
	bs := m.Config.Train.EvalBatchSize
	for from := 0; from < s.N; from += bs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := m.batch(s, from, min(from+bs, s.N), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batch runs examples [from, to) of s and appends what it says to out.
func (m *Model) batch(s *registry.Examples, from, to int, out *Output) error {
	n := to - from
	idx := make([]int, n)
	for i := range idx {
		idx[i] = from + i
	}
	var args []any
	var xs []*tensors.Tensor
	for _, shape := range m.m.InputShapes(n) {
		x := tensors.FromShape(shape)
		xs, args = append(xs, x), append(args, x)
	}
	model.FillInputs(xs, s, idx)
	y := tensors.FromShape(m.m.Targets(n))
	switch {
	case m.Classification() && s.Labels != nil:
		tensors.MustMutableFlatData(y, func(l []int32) { s.GatherLabels(idx, l, nil) })
	case !m.Classification() && s.Targets != nil:
		tensors.MustMutableFlatData(y, func(t []float32) { s.GatherLabels(idx, nil, t) })
	}
	res, err := m.exec.Exec(append(args, y)...)
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range res {
			r.FinalizeAll()
		}
	}()
	out.LossSum += float64(tensors.ToScalar[float32](res[0]))
	vals := tensors.MustCopyFlatData[float32](res[2])
	if !m.Classification() {
		out.Values = append(out.Values, vals...)
		return nil
	}
	out.Probs = append(out.Probs, vals...)
	out.Pred = append(out.Pred, tensors.MustCopyFlatData[int32](res[3])...)
	return nil
}

// checkInputs returns an error unless the examples s hold the model's
// inputs: as many, each of the same size and type.
func (m *Model) checkInputs(s *registry.Examples) error {
	want, got := m.m.Info.ModelInputs(), s.ModelInputs()
	if len(want) == 1 && len(got) == 1 && got[0].Type() == want[0].Type() {
		if got[0].Size() != want[0].Size() {
			return fmt.Errorf("inputs have %v values per example; the model takes %v", got[0].Shape, want[0].Shape)
		}
		return nil
	}
	if !registry.SameInputs(got, want) {
		return fmt.Errorf("inputs %s; the model takes %s", describeInputs(got), describeInputs(want))
	}
	return nil
}

// describeInputs lists inputs as NAME (DTYPE SHAPE[, vocabulary N]),
// comma-separated.
func describeInputs(ins []registry.Input) string {
	parts := make([]string, len(ins))
	for k, in := range ins {
		parts[k] = fmt.Sprintf("%s (%s %v)", in.Name, in.Type(), in.Shape)
		if in.Vocabulary > 0 {
			parts[k] = fmt.Sprintf("%s (%s %v, vocabulary %d)", in.Name, in.Type(), in.Shape, in.Vocabulary)
		}
	}
	return strings.Join(parts, ", ")
}

// NonFinite returns the examples (by position) whose output holds a NaN
// or an infinity: a class probability or a predicted value. A model that
// loaded cleanly can still produce one, from inputs far outside what it
// was trained on; such an output is no prediction.
func (o *Output) NonFinite() []int {
	vals := o.Probs
	if vals == nil {
		vals = o.Values
	}
	if o.N == 0 || len(vals) == 0 {
		return nil
	}
	k := len(vals) / o.N
	var out []int
	for i := range o.N {
		for _, v := range vals[i*k : (i+1)*k] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// ErrNoLabels is returned by Score for examples without labels or targets.
var ErrNoLabels = errors.New("the data has no labels or targets to score against")
