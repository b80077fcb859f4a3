package config_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/registry"
)

// twoInputs is a dataset of two named inputs, as a CSV file with a text
// column and other features gives: "title", 8 token ids from a vocabulary
// of 50 (named at the data key cols[0]), and "features", 3 floats. With
// broken set, Validate reports a problem, so its inputs are not known.
type twoInputs struct {
	Broken bool `yaml:"broken"`
}

func init() {
	registry.Datasets.Register("two_inputs", func() registry.Dataset { return &twoInputs{} })
}

func (d *twoInputs) Validate(r registry.Reporter, env registry.DataEnv) {
	if d.Broken {
		r.Field("broken").Errorf("is set")
	}
}
func (d *twoInputs) Info() registry.DataInfo {
	return registry.DataInfo{NumClasses: 2, Inputs: []registry.Input{
		{Name: "title", Shape: []int{8}, DType: registry.Int32, Vocabulary: 50, Key: "cols[0]"},
		{Name: "features", Shape: []int{3}, DType: registry.Float32},
	}}
}
func (d *twoInputs) Load(context.Context, registry.DataEnv) (*registry.Data, error) {
	return nil, errors.New("not loaded in these tests")
}

// twoInputsModel takes both inputs: an embedding of the title, pooled, and
// the features, concatenated.
const twoInputsModel = `
data: {dataset: two_inputs}
model:
  layers:
    - {name: emb, type: embedding, output_dim: 4, mask_zero: true, inputs: [title]}
    - {name: pool, type: globalavgpool1d}
    - {name: both, type: concat, inputs: [pool, features]}
    - {type: dense, units: 2, activation: softmax}
`

// TestSeveralInputs checks that layers name the data's inputs, that an
// embedding fed by a text input takes its vocabulary's size for input_dim
// without the key entering the hash, and where each source comes from.
func TestSeveralInputs(t *testing.T) {
	c := mustParse(t, "two.yaml", twoInputsModel)
	emb := c.Model.Layers[0]
	if got := emb.Spec.(registry.VocabularySized).VocabularySize(); got != 50 || !slices.Equal(emb.Defaulted, []string{"input_dim"}) {
		t.Errorf("input_dim %d, defaulted %v; want 50 from the vocabulary", got, emb.Defaulted)
	}
	if !strings.Contains(c.YAML(), "input_dim: 50") {
		t.Errorf("resolved config lacks input_dim: 50:\n%s", c.YAML())
	}
	explicit := mustParse(t, "two.yaml", strings.Replace(twoInputsModel, "output_dim: 4", "input_dim: 50, output_dim: 4", 1))
	if explicit.Hash() == c.Hash() {
		t.Error("input_dim given and defaulted hash alike; the defaulted one must stay out of the hash")
	}
	wider := mustParse(t, "two.yaml", strings.Replace(twoInputsModel, "output_dim: 4", "input_dim: 60, output_dim: 4", 1))
	if got := wider.Model.Layers[0].Spec.(registry.VocabularySized).VocabularySize(); got != 60 || len(wider.Model.Layers[0].Defaulted) > 0 {
		t.Errorf("input_dim given as 60: got %d", got)
	}
	want := [][]int{{-1}, {0}, {1, -2}, {2}}
	if got := config.Sources(c.Model.Layers, c.Inputs()); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Sources = %v, want %v", got, want)
	}
}

// TestSeveralInputsErrors checks the rules of several inputs, each error at
// its key: the first layer names its inputs, every input is taken, an input
// is not named like a layer (blamed at the input's data key), names are
// known, and an embedding is at least as large as the vocabulary.
func TestSeveralInputsErrors(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{"{name: emb, type: embedding, output_dim: 4, mask_zero: true, inputs: [title]}", "{name: emb, type: embedding, output_dim: 4, mask_zero: true}",
			`model.layers[0]: the data has 2 inputs (title, features): name the ones this layer takes in inputs:`},
		{"inputs: [pool, features]", "inputs: [pool, pool]",
			`model.layers: the data's input "features" is taken by no layer`},
		{"{name: pool, type: globalavgpool1d}", "{name: title, type: globalavgpool1d}",
			`data.cols[0]: "title" is the name of model.layers[1] (globalavgpool1d, its name)`},
		{"inputs: [pool, features]", "inputs: [pool, featurs]",
			`unknown layer "featurs" (known here: title, features, emb, pool); did you mean "features"?`},
		{"output_dim: 4", "input_dim: 20, output_dim: 4",
			`model.layers[0].input_dim: 20 is smaller than the vocabulary of input "title", 50 ids`},
		{"inputs: [title]", "inputs: [input]", `unknown layer "input"`},
	} {
		src := strings.Replace(twoInputsModel, tt.old, tt.new, 1)
		_, err := config.Parse("two.yaml", []byte(src), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\ngot %v\nwant %q", tt.new, err, tt.want)
		}
	}
	// A data section with errors: its inputs are not known, and layers
	// naming them are not blamed for it.
	broken := strings.Replace(twoInputsModel, "dataset: two_inputs", "dataset: two_inputs, broken: true", 1)
	_, err := config.Parse("two.yaml", []byte(broken), nil)
	if err == nil || strings.Count(err.Error(), "\n") > 0 || !strings.Contains(err.Error(), "data.broken: is set") {
		t.Errorf("broken data: got %v, want only data.broken's error", err)
	}
}
