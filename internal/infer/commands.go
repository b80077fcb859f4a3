package infer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/exp-runner/exp/registry"
)

// PredictOptions are exp predict's choices.
type PredictOptions struct {
	Inputs   []string // input files or folders
	SplitVal bool     // predict the run's validation set instead
	Probs    bool     // one p_<class> column per class
	TopK     int      // list the K most likely classes (0: none)
}

// Predict runs m on the inputs and lays out its predictions.
func Predict(ctx context.Context, m *Model, o PredictOptions) (*Table, error) {
	in, err := m.inputs(ctx, o.SplitVal, o.Inputs)
	if err != nil {
		return nil, err
	}
	out, err := m.Run(ctx, in.Split)
	if err != nil {
		return nil, err
	}
	t := m.PredictionTable(in, out, o.Probs, o.TopK)
	if bad := out.NonFinite(); len(bad) > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("warning: the model's output is NaN or infinite for %s: their prediction is NaN",
			examples(in, bad, out.N)))
	}
	return t, nil
}

// ErrNaN is wrapped by Evaluate's error when the model's output or its
// loss is NaN or infinite for some examples: that is no score, so none is
// returned (and exp evaluate records none).
var ErrNaN = errors.New("NaN or infinite")

// notANumber returns an error wrapping ErrNaN when out's outputs or loss
// are not finite.
func notANumber(in *Inputs, out *Output) error {
	if bad := out.NonFinite(); len(bad) > 0 {
		return fmt.Errorf("the model's output is %w for %s: that is no score", ErrNaN, examples(in, bad, out.N))
	}
	if math.IsNaN(out.LossSum) || math.IsInf(out.LossSum, 0) {
		return fmt.Errorf("the loss is %w (the outputs are finite; the labels or targets are out of range?): that is no score", ErrNaN)
	}
	return nil
}

// examples names the examples bad of n: how many, and the first few by
// their identifiers.
func examples(in *Inputs, bad []int, n int) string {
	var ids []string
	for _, i := range bad[:min(len(bad), 5)] {
		ids = append(ids, in.IDName+" "+in.IDs[i])
	}
	more := ""
	if len(bad) > 5 {
		more = ", …"
	}
	return fmt.Sprintf("%d of %d examples (%s%s)", len(bad), n, strings.Join(ids, ", "), more)
}

func (m *Model) inputs(ctx context.Context, splitVal bool, paths []string) (*Inputs, error) {
	switch {
	case splitVal && len(paths) > 0:
		return nil, fmt.Errorf("give input files or --split val, not both")
	case splitVal:
		return Validation(ctx, m.Config)
	case len(paths) == 0:
		return nil, fmt.Errorf("no inputs: give input files, or --split val for the run's validation set")
	}
	return m.Read(ctx, paths)
}

// Evaluation is what Evaluate scored.
type Evaluation struct {
	Scores   *Scores
	Data     string // what was scored: "validation set" or the --data pairs
	DataHash string
}

// Evaluate scores m on the data --data describes (path=FILE, and for mnist
// idx files labels=FILE), or on the run's validation set for none.
func Evaluate(ctx context.Context, m *Model, kv map[string]string) (*Evaluation, error) {
	var paths []string
	for k := range kv {
		if k != "path" && k != "labels" {
			return nil, fmt.Errorf("--data %s: unknown key (want path=FILE, and for mnist idx images labels=FILE)", k)
		}
	}
	if p, ok := kv["path"]; ok {
		paths = append(paths, p)
	}
	if p, ok := kv["labels"]; ok {
		paths = append(paths, p)
	}
	if len(kv) > 0 && len(paths) > 0 && kv["path"] == "" {
		return nil, fmt.Errorf("--data labels=FILE needs path=FILE (the images) too")
	}
	in, err := m.evaluationInputs(ctx, kv, paths)
	if err != nil {
		return nil, err
	}
	out, err := m.Run(ctx, in.Split)
	if err != nil {
		return nil, err
	}
	if err := notANumber(in, out); err != nil {
		return nil, fmt.Errorf("%s: %w", describe(kv), err)
	}
	sc, err := m.Score(out, in.Split)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe(kv), err)
	}
	return &Evaluation{Scores: sc, Data: describe(kv), DataHash: hashSplit(in.Split)}, nil
}

// evaluationInputs reads what Evaluate scores: for an images run a
// labelled folder (or labels CSV) at path=, else what predict reads.
func (m *Model) evaluationInputs(ctx context.Context, kv map[string]string, paths []string) (*Inputs, error) {
	if p := kv["path"]; p != "" && m.Config.Data.Dataset == "images" {
		var o imageOptions
		if err := json.Unmarshal(m.Preprocessing, &o); err != nil {
			return nil, fmt.Errorf("preprocessing: %w", err)
		}
		return m.readLabelledImages(ctx, p, o)
	}
	return m.inputs(ctx, len(kv) == 0, paths)
}

func describe(kv map[string]string) string {
	if len(kv) == 0 {
		return "validation set"
	}
	var parts []string
	for k, v := range kv {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// hashSplit is a sha256 of the examples' inputs and labels or targets.
func hashSplit(s *registry.Examples) string {
	h := sha256.New()
	h.Write(s.Pixels)
	for _, v := range s.X {
		binary.Write(h, binary.LittleEndian, math.Float32bits(v))
	}
	binary.Write(h, binary.LittleEndian, s.Labels)
	binary.Write(h, binary.LittleEndian, s.Targets)
	return hex.EncodeToString(h.Sum(nil))
}

// WriteScores prints ev's metrics, one a line.
func WriteScores(w io.Writer, ev *Evaluation) {
	sc := ev.Scores
	fmt.Fprintf(w, "data: %s (%d examples)\n", ev.Data, sc.N)
	fmt.Fprintf(w, "loss: %.6f\n", sc.Loss)
	for _, m := range []struct {
		name string
		v    *float64
	}{{"accuracy", sc.Accuracy}, {"mse", sc.MSE}, {"mae", sc.MAE}, {"rmse", sc.RMSE}, {"r2", sc.R2}} {
		if m.v != nil {
			fmt.Fprintf(w, "%s: %.6f\n", m.name, *m.v)
		}
	}
}
