package datasets

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// Normalize is data.normalize of an image dataset (mnist, npz, images): a
// per-channel (x - mean) / std after the [0, 1] scaling, as pretrained
// networks expect their inputs. It is written "imagenet" or
// {mean: [...], std: [...]}, one value per channel (or one for all).
// The model's graph applies it to every input (training, evaluation,
// prediction), so that the data stay bytes.
type Normalize struct {
	Preset string    `yaml:"-"` // "imagenet", or "" for Mean and Std
	Mean   []float64 `yaml:"mean"`
	Std    []float64 `yaml:"std"`
}

// ImageNet's per-channel mean and standard deviation (RGB), which
// torchvision's pretrained networks expect.
var (
	imagenetMean = []float64{0.485, 0.456, 0.406}
	imagenetStd  = []float64{0.229, 0.224, 0.225}
)

// UnmarshalYAMLX decodes "imagenet" or a mapping of mean and std.
func (n *Normalize) UnmarshalYAMLX(r *yamlx.Reporter) {
	node := yamlx.Resolve(r.Node())
	if node != nil && node.Kind == yaml.ScalarNode {
		if node.Value != "imagenet" {
			r.Errorf("must be imagenet or {mean: [...], std: [...]}, got %q", node.Value)
			return
		}
		n.Preset = node.Value
		return
	}
	type plain Normalize
	yamlx.Decode(r, (*plain)(n))
}

// MarshalYAMLX encodes the normalisation as written.
func (n Normalize) MarshalYAMLX() *yaml.Node {
	if n.Preset != "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.Preset}
	}
	type plain Normalize
	return yamlx.Encode(plain(n))
}

// values returns the mean and std, the preset's or as written.
func (n *Normalize) values() (mean, std []float64) {
	if n.Preset == "imagenet" {
		return imagenetMean, imagenetStd
	}
	return n.Mean, n.Std
}

// validate reports a mean and std of different lengths, empty, or with a
// std that is not positive.
func (n *Normalize) validate(r registry.Reporter) {
	if n.Preset != "" {
		return
	}
	switch {
	case len(n.Mean) == 0:
		r.Field("mean").Errorf("is required: one value per channel, e.g. [0.485, 0.456, 0.406]")
	case len(n.Std) != len(n.Mean):
		r.Field("std").Errorf("has %d values, mean %d: give one per channel in both", len(n.Std), len(n.Mean))
	}
	for i, s := range n.Std {
		if !(s > 0) || math.IsInf(s, 0) {
			r.Field("std").Index(i).Errorf("must be > 0, got %g", s)
		}
	}
	for i, m := range n.Mean {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			r.Field("mean").Index(i).Errorf("must be a finite number, got %g", m)
		}
	}
}

// imageInput is what the model's graph does first to an image dataset's
// inputs: give grey images three channels (color_mode: rgb), then
// normalise them (normalize).
type imageInput struct {
	rgb  bool
	norm *Normalize
}

// InputTransform returns whether grey images get three channels, and the
// per-channel mean and std inputs are normalised by (nil: none).
func (in imageInput) InputTransform() (rgb bool, mean, std []float64) {
	if in.norm != nil {
		mean, std = in.norm.values()
	}
	return in.rgb, mean, std
}

// check reports, at r, a color_mode or normalize that does not fit inputs
// of the given shape (without the batch axis): rgb needs images with one
// channel (or three, left as they are), normalize one value per channel.
func (in imageInput) check(r registry.Reporter, shape []int, dataset string) {
	channels := 0
	if len(shape) == 3 {
		channels = shape[2]
	}
	if in.rgb && channels != 1 && channels != 3 {
		r.Field("color_mode").Errorf("rgb gives grey images three channels, but the %s inputs are %v, not images [height, width, 1]", dataset, shape)
		return
	}
	if in.rgb {
		channels = 3
	}
	if in.norm == nil {
		return
	}
	mean, _ := in.norm.values()
	switch {
	case channels == 0:
		r.Field("normalize").Errorf("is for images [height, width, channels]; the %s inputs are %v", dataset, shape)
	case len(mean) != 1 && len(mean) != channels:
		hint := ""
		if channels == 1 && len(mean) == 3 {
			hint = "; give the grey images three channels with color_mode: rgb"
		}
		r.Field("normalize").Errorf("has %d values per statistic; the images have %d channel(s)%s", len(mean), channels, hint)
	}
}

// preprocessing describes the transform for a run's stored preprocessing.
func (in imageInput) preprocessing() *normalizeJSON {
	if in.norm == nil {
		return nil
	}
	mean, std := in.norm.values()
	return &normalizeJSON{Mean: mean, Std: std}
}

// normalizeJSON is the normalisation in a run's stored preprocessing: the
// model's graph applies x' = (x - mean) / std per channel after v/255.
type normalizeJSON struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// validColorMode reports a color_mode other than grayscale or rgb.
func validColorMode(r registry.Reporter, mode string) {
	if mode != "" && mode != "grayscale" && mode != "rgb" {
		r.Field("color_mode").Errorf("must be grayscale or rgb, got %q", mode)
	}
}
