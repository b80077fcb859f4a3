package predict

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"slices"

	"github.com/exp-runner/exp/internal/images"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/registry"
)

// Model is an exported model loaded for prediction.
type Model struct {
	m    *infer.Model
	meta *infer.Meta
}

// Load loads the model folder dir written by exp export-model. It checks
// the folder before building the model: each file the model needs must
// match the size and SHA-256 model.json records for it; model.json's
// dataset, classes and input shape must agree with the config and the
// preprocessing; and the weights must have the shapes the config gives
// them, with no NaN. Any problem is an error naming the file and the
// field. A folder written by a newer exp is refused; one of format 1,
// written before exp recorded checksums, loads with a warning (see
// Warnings).
func Load(dir string) (*Model, error) {
	m, meta, err := infer.OpenFolder(dir)
	if err != nil {
		return nil, err
	}
	m.PreprocessingSource = filepath.Join(dir, infer.PreprocessingFile)
	return &Model{m: m, meta: meta}, nil
}

// Warnings returns what Load found wrong without refusing the folder: for
// a folder of format 1, that its files have no checksums and so cannot be
// checked. A program may print them, or refuse such a model.
func (m *Model) Warnings() []string { return slices.Clone(m.meta.Warnings) }

// Classes returns the class names in label order; nil for a regression.
func (m *Model) Classes() []string { return slices.Clone(m.m.Classes) }

// InputShape returns the shape of one example's inputs after preprocessing,
// e.g. [28 28 1] for an MNIST image or [5] for a CSV row of five inputs;
// nil for a model of several inputs (a CSV file's text columns and its
// other features), which takes Rows.
func (m *Model) InputShape() []int { return slices.Clone(m.m.Shape()) }

// Epoch returns the run epoch whose weights the model holds.
func (m *Model) Epoch() int { return m.meta.BestEpoch }

// Prediction is what the model says about one example.
type Prediction struct {
	// Label is the predicted class (classification), Index its position
	// in Classes and Probability its probability.
	Label       string
	Index       int
	Probability float64
	// Probabilities holds every class's probability, in Classes order.
	Probabilities []float64
	// Values holds the predicted values (regression).
	Values []float64
	// NaN reports that the model's output for this example holds a NaN
	// or an infinity (from inputs far outside what it was trained on,
	// say): that is no prediction. Label is then "", Index -1 and
	// Probability NaN; Probabilities and Values hold the output as it is.
	NaN bool
}

// Inputs are examples to predict; make them with Rows, Images or Tensors.
type Inputs interface {
	split(m *Model) (*registry.Examples, error)
}

// Predict runs the model on in and returns one prediction per example, in
// order.
func (m *Model) Predict(ctx context.Context, in Inputs) ([]Prediction, error) {
	s, err := in.split(m)
	if err != nil {
		return nil, err
	}
	out, err := m.m.Run(ctx, s)
	if err != nil {
		return nil, err
	}
	return m.predictions(out), nil
}

func (m *Model) predictions(out *infer.Output) []Prediction {
	preds := make([]Prediction, out.N)
	k := len(m.m.Classes)
	d := 0
	if k == 0 {
		d = len(out.Values) / max(out.N, 1)
	}
	for _, i := range out.NonFinite() {
		preds[i].NaN = true
	}
	for i := range preds {
		p := &preds[i]
		if k == 0 {
			p.Values = float64s(out.Values[i*d : (i+1)*d])
			continue
		}
		p.Probabilities = float64s(out.Probs[i*k : (i+1)*k])
		if p.NaN {
			p.Index, p.Probability = -1, math.NaN()
			continue
		}
		p.Index = int(out.Pred[i])
		p.Label, p.Probability = m.m.Classes[p.Index], p.Probabilities[p.Index]
	}
	return preds
}

func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// rows are CSV rows under a header.
type rows struct {
	header []string
	rows   [][]string
}

// Rows returns CSV rows as inputs: header names the columns (in any order;
// every feature column of the run must be there, others are ignored) and
// each row holds one value per column, as text. A text column's cell is
// free text, tokenized with the run's own vocabulary (an empty cell is all
// padding). Errors name the row by its line in the CSV they form (header =
// 1).
func Rows(header []string, values [][]string) Inputs { return rows{header, values} }

func (r rows) split(m *Model) (*registry.Examples, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(r.header)
	w.WriteAll(r.rows)
	p, err := tabular.ParsePreprocessing(m.m.Preprocessing)
	if err != nil {
		return nil, fmt.Errorf("predict: the model does not take CSV rows: %s: %w", m.m.PreprocessingSource, err)
	}
	t, err := tabular.Parse("rows", b.Bytes(), tabular.ReadOptions{Raw: p.TextColumns()})
	if err != nil {
		return nil, err
	}
	d, err := p.Apply(t, false)
	if err != nil {
		return nil, err
	}
	if d.N() != len(r.rows) {
		return nil, fmt.Errorf("predict: %d of %d rows have missing values", len(r.rows)-d.N(), len(r.rows))
	}
	return d.Split(), nil
}

// imgs are decoded images.
type imgs []image.Image

// Images returns decoded images as inputs (converted to the model's
// colour mode and, if the run resized its images, resized).
func Images(images ...image.Image) Inputs { return imgs(images) }

func (in imgs) split(m *Model) (*registry.Examples, error) {
	shape := m.m.Shape()
	if len(shape) != 3 {
		return nil, fmt.Errorf("predict: the model takes inputs of shape %v, not images", shape)
	}
	h, w, c := shape[0], shape[1], shape[2]
	s := &registry.Examples{N: len(in), Shape: shape, Pixels: make([]uint8, 0, len(in)*h*w*c)}
	resize := resizes(m)
	for i, img := range in {
		pix, ok := images.Pixels(img, h, w, c, resize)
		if !ok {
			b := img.Bounds()
			return nil, fmt.Errorf("predict: image %d is %d×%d, the model takes %d×%d (the run did not set image_size, so images are not resized)", i, b.Dy(), b.Dx(), h, w)
		}
		s.Pixels = append(s.Pixels, pix...)
	}
	return s, nil
}

// resizes reports whether the run resized its images.
func resizes(m *Model) bool {
	var p struct {
		Resize bool `json:"resize"`
	}
	json.Unmarshal(m.m.Preprocessing, &p) // none (mnist): no resizing
	return p.Resize
}

// tensors are preprocessed inputs.
type tensors []float32

// Tensors returns inputs already preprocessed, example after example, each
// InputShape's product of values: images scaled to [0, 1] (a dataset's
// color_mode and normalize are applied by the model itself). A model that
// reads text takes Rows.
func Tensors(x []float32) Inputs { return tensors(x) }

func (x tensors) split(m *Model) (*registry.Examples, error) {
	shape := m.m.Shape()
	size := 1
	for _, d := range shape {
		size *= d
	}
	if len(x)%size != 0 {
		return nil, fmt.Errorf("predict: %d values are not a whole number of examples of shape %v (%d values each)", len(x), shape, size)
	}
	return &registry.Examples{N: len(x) / size, Shape: shape, X: x}, nil
}
