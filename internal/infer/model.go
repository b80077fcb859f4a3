package infer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

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
	if out.exec, err = mlctx.NewExec(be, ctx.Checked(false), m.ScoreStep); err != nil {
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
			return nil, fmt.Errorf("preprocessing: %w", err)
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

// Classification reports whether the model predicts classes.
func (m *Model) Classification() bool { return m.Classes != nil }

// Shape is the per-example input shape.
func (m *Model) Shape() []int { return m.m.Info.Shape }

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
	if s.ExampleSize() != m.m.Info.ExampleSize() {
		return nil, fmt.Errorf("inputs have %v values per example; the model takes %v", s.Shape, m.m.Info.Shape)
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
	x, y := tensors.FromShape(m.m.Inputs(n)), tensors.FromShape(m.m.Targets(n))
	tensors.MustMutableFlatData(x, func(xs []float32) {
		switch {
		case m.Classification() && s.Labels != nil:
			tensors.MustMutableFlatData(y, func(l []int32) { s.Gather(idx, xs, l, nil) })
		case !m.Classification() && s.Targets != nil:
			tensors.MustMutableFlatData(y, func(t []float32) { s.Gather(idx, xs, nil, t) })
		default:
			s.Gather(idx, xs, nil, nil)
		}
	})
	res, err := m.exec.Exec(x, y)
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
