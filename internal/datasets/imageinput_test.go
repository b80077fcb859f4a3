package datasets_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu"
	"github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/npy"
	_ "github.com/exp-runner/exp/internal/optim"
)

const model = "model: {layers: [{type: flatten}, {type: dense, units: %d, activation: softmax}]}\n"

// TestNormalizeColorMode decodes data.normalize (imagenet or mean and std)
// and color_mode for mnist and npz, writes them back as given, stores them
// in an npz run's preprocessing, and leaves them out of a config that does
// not set them.
func TestNormalizeColorMode(t *testing.T) {
	dir := t.TempDir()
	npz := filepath.Join(dir, "grey.npz")
	x := &npy.Array{Name: "x", Shape: []int{4, 2, 2}, U8: make([]uint8, 16)}
	y := &npy.Array{Name: "y", Shape: []int{4}, I64: []int64{0, 1, 0, 1}}
	if err := npy.WriteNpz(npz, x, y); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		data, yaml    string
		rgb           bool
		mean, std     []float64
		classes       int
		preprocessing string
	}{
		{"{dataset: mnist, color_mode: rgb, normalize: imagenet}", "normalize: imagenet", true,
			[]float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}, 10, ""},
		{"{dataset: mnist, normalize: {mean: [0.1307], std: [0.3081]}}", "normalize:\n    mean: [0.1307]\n    std: [0.3081]", false,
			[]float64{0.1307}, []float64{0.3081}, 10, ""},
		{"{dataset: mnist}", "dataset: mnist\n", false, nil, nil, 10, ""},
		{"{dataset: npz, path: grey.npz, color_mode: rgb, normalize: imagenet}", "color_mode: rgb", true,
			[]float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}, 2,
			`"color_mode":"rgb","normalize":{"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}`},
	} {
		cfg, err := config.Parse(filepath.Join(dir, "c.yaml"), []byte("data: "+tt.data+"\n"+fmt.Sprintf(model, tt.classes)), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.data, err)
		}
		it := cfg.Data.Params.(interface {
			InputTransform() (bool, []float64, []float64)
		})
		rgb, mean, std := it.InputTransform()
		if rgb != tt.rgb || !slices.Equal(mean, tt.mean) || !slices.Equal(std, tt.std) {
			t.Errorf("%s: rgb %v mean %v std %v", tt.data, rgb, mean, std)
		}
		if got := cfg.YAML(); !strings.Contains(got, tt.yaml) || (tt.mean == nil && strings.Contains(got, "normalize")) {
			t.Errorf("%s: resolved config\n%s\nlacks %q", tt.data, got, tt.yaml)
		}
		if tt.preprocessing != "" {
			p, err := cfg.Data.Preprocessing()
			if err != nil || !strings.Contains(string(p), tt.preprocessing) || !json.Valid(p) {
				t.Errorf("%s: preprocessing %s (%v) lacks %s", tt.data, p, err, tt.preprocessing)
			}
		}
	}
	mnist := config.Default("x.yaml").Data.Params.(*datasets.MNIST)
	if mnist.Normalize != nil || mnist.ColorMode != "" {
		t.Errorf("mnist's defaults set normalize or color_mode: %+v", mnist)
	}
}

// TestNormalizeColorModeErrors checks each bad value is reported at its
// key, and that a mean of three values for grey images says how to get
// three channels.
func TestNormalizeColorModeErrors(t *testing.T) {
	dir := t.TempDir()
	flat := &npy.Array{Name: "x", Shape: []int{4, 3}, U8: make([]uint8, 12)}
	y := &npy.Array{Name: "y", Shape: []int{4}, I64: []int64{0, 1, 0, 1}}
	if err := npy.WriteNpz(filepath.Join(dir, "flat.npz"), flat, y); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ data, want string }{
		{"{dataset: mnist, normalize: zscore}", `data.normalize: must be imagenet or {mean: [...], std: [...]}, got "zscore"`},
		{"{dataset: mnist, normalize: {mean: [0.5, 0.5, 0.5], std: [0.2]}}", "data.normalize.std: has 1 values, mean 3"},
		{"{dataset: mnist, normalize: {mean: [0.5], std: [0]}}", "data.normalize.std[0]: must be > 0, got 0"},
		{"{dataset: mnist, normalize: {std: [1]}}", "data.normalize.mean: is required"},
		{"{dataset: mnist, normalize: imagenet}", "data.normalize: has 3 values per statistic; the images have 1 channel(s); give the grey images three channels with color_mode: rgb"},
		{"{dataset: mnist, color_mode: rgba}", `data.color_mode: must be grayscale or rgb, got "rgba"`},
		{"{dataset: npz, path: flat.npz, color_mode: rgb}", "data.color_mode: rgb gives grey images three channels, but the npz inputs are [3]"},
		{"{dataset: npz, path: flat.npz, normalize: {mean: [0], std: [1]}}", "data.normalize: is for images [height, width, channels]; the npz inputs are [3]"},
	} {
		_, err := config.Parse(filepath.Join(dir, "c.yaml"), []byte("data: "+tt.data+"\n"+fmt.Sprintf(model, 2)), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.data, err, tt.want)
		}
	}
}
