package config

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/schedule"
	"github.com/exp-runner/exp/internal/yamlx"
)

// LRSchedule is train.lr_schedule: a schedule's name and parameters.
type LRSchedule struct {
	Name string        `yaml:"name"`
	Spec schedule.Spec `yaml:",inline"`
}

// UnmarshalYAMLX decodes a schedule: name (required) first, then its
// parameters.
func (s *LRSchedule) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := r.Node()
	if n != nil && n.Kind == yaml.MappingNode {
		if _, v := yamlx.MapGet(n, "name"); v == nil {
			r.Field("name").Errorf("is required (known: %s)", joinNames(schedule.Schedules.Names()))
			return
		}
	}
	if !decodeNamed(r, "name", &s.Name, func(name string) error {
		f, err := schedule.Schedules.Lookup(name)
		if err == nil {
			s.Spec = f()
		}
		return err
	}) {
		return
	}
	type plain LRSchedule
	yamlx.Decode(r, (*plain)(s))
}

// MarshalYAMLX encodes the schedule as a mapping of its name and parameters.
func (s LRSchedule) MarshalYAMLX() *yaml.Node {
	type plain LRSchedule
	return yamlx.Encode(plain(s))
}

// Regularizer is a layer's kernel_regularizer: Keras's L1L2, adding
// l1·Σ|w| + l2·Σw² over the kernel to the loss.
type Regularizer struct {
	L1 float64 `yaml:"l1,omitempty"`
	L2 float64 `yaml:"l2,omitempty"`
}

// regularized are the layer types whose kernel_regularizer is supported:
// those with one weight called kernel.
var regularized = []string{"conv1d", "conv2d", "dense"}

// Clip holds the gradient clipping keys of train.optimizer, as Keras's
// optimizers take them; at most one is set (0: off).
type Clip struct {
	// ClipNorm rescales each variable's gradient to this L2 norm at most.
	ClipNorm float64 `yaml:"clipnorm,omitempty"`
	// GlobalClipNorm rescales all the gradients together so that their
	// joint L2 norm is this at most.
	GlobalClipNorm float64 `yaml:"global_clipnorm,omitempty"`
	// ClipValue clips each gradient's elements to [-v, v].
	ClipValue float64 `yaml:"clipvalue,omitempty"`
}

// ClassWeight is train.class_weight: "balanced", or a weight per class
// (classes left out weigh 1).
type ClassWeight struct {
	Balanced bool
	Weights  map[int]float64
}

// UnmarshalYAMLX decodes "balanced" or a mapping from class to weight.
func (w *ClassWeight) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := r.Node()
	if n.Kind == yaml.ScalarNode {
		if n.Value != "balanced" {
			r.Errorf("must be \"balanced\" or a mapping from class to weight, got %q", n.Value)
		}
		w.Balanced = n.Value == "balanced"
		return
	}
	var m map[string]float64
	yamlx.Decode(r, &m)
	w.Weights = map[int]float64{}
	for k, v := range m {
		c, err := strconv.Atoi(k)
		if err != nil {
			r.Field(k).Errorf("a class must be an integer, got %q", k)
			continue
		}
		w.Weights[c] = v
	}
}

// MarshalYAMLX encodes the weights as written: "balanced" or a mapping.
func (w ClassWeight) MarshalYAMLX() *yaml.Node {
	if w.Balanced {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "balanced"}
	}
	m := map[string]float64{}
	for c, v := range w.Weights {
		m[strconv.Itoa(c)] = v
	}
	return yamlx.Encode(m)
}

// Of returns the weight of each of k classes given the training labels:
// balanced is n/(k·count), zero for a class without examples.
func (w *ClassWeight) Of(k int, labels []int32) []float64 {
	out := make([]float64, k)
	if !w.Balanced {
		for c := range out {
			out[c] = 1
			if v, ok := w.Weights[c]; ok {
				out[c] = v
			}
		}
		return out
	}
	counts := make([]int, k)
	for _, l := range labels {
		if int(l) >= 0 && int(l) < k {
			counts[l]++
		}
	}
	for c, n := range counts {
		if n > 0 {
			out[c] = float64(len(labels)) / float64(k*n)
		}
	}
	return out
}

// resolveSchedule fills a plateau's default monitor: the one rule,
// record.DefaultMetric, on what runs of c record.
func (c *Config) resolveSchedule() {
	if s := c.Train.LRSchedule; s != nil {
		if m, ok := s.Spec.(schedule.Monitored); ok && *m.MonitorKey() == "" {
			*m.MonitorKey() = record.DefaultMetric(c.HasMetric)
		}
	}
}

// validateExtras checks the schedule, regularizers, label smoothing, class
// weights and clipping keys.
func (c *Config) validateExtras(r *yamlx.Reporter) {
	tr := r.Field("train")
	if s := c.Train.LRSchedule; s != nil && s.Spec != nil {
		sr := tr.Field("lr_schedule")
		s.Spec.Validate(APIReporter(sr))
		if m, ok := s.Spec.(schedule.Monitored); ok {
			checkMonitor(sr.Field("monitor"), &c.Data, *m.MonitorKey())
		}
	}
	if ls := c.Train.LabelSmoothing; !(ls >= 0 && ls <= 1) {
		tr.Field("label_smoothing").Errorf("must be in [0, 1], got %g", ls)
	} else if ls > 0 && c.Train.Loss != "sparse_categorical_crossentropy" {
		tr.Field("label_smoothing").Errorf("needs the loss sparse_categorical_crossentropy, not %q", c.Train.Loss)
	}
	c.validateClassWeight(tr.Field("class_weight"))
	c.Train.Optimizer.Clip.validate(tr.Field("optimizer"))
	for i, l := range c.Model.Layers {
		if l.KernelRegularizer != nil {
			validateRegularizer(r.Field("model").Field("layers").Index(i).Field("kernel_regularizer"), l)
		}
	}
}

func validateRegularizer(r *yamlx.Reporter, l Layer) {
	if !slices.Contains(regularized, l.Type) {
		r.Errorf("a %s layer takes no kernel_regularizer (layers that do: %s)", l.Type, joinNames(regularized))
	}
	k := l.KernelRegularizer
	for _, f := range []struct {
		key string
		v   float64
	}{{"l1", k.L1}, {"l2", k.L2}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			r.Field(f.key).Errorf("must be ≥ 0, got %g", f.v)
		}
	}
}

func (c *Config) validateClassWeight(r *yamlx.Reporter) {
	w := c.Train.ClassWeight
	if w == nil {
		return
	}
	if c.Data.Params == nil || !c.Data.Params.Info().Classification() {
		r.Errorf("needs class labels; dataset %q is a regression", c.Data.Dataset)
		return
	}
	k := c.Data.Params.Info().NumClasses
	for cl, v := range w.Weights {
		if cl < 0 || cl >= k {
			r.Field(strconv.Itoa(cl)).Errorf("class %d is not in [0, %d)", cl, k)
		}
		if !(v >= 0) || math.IsInf(v, 0) {
			r.Field(strconv.Itoa(cl)).Errorf("weight must be ≥ 0, got %g", v)
		}
	}
}

func (c Clip) validate(r *yamlx.Reporter) {
	set := 0
	for _, f := range []struct {
		key string
		v   float64
	}{{"clipnorm", c.ClipNorm}, {"global_clipnorm", c.GlobalClipNorm}, {"clipvalue", c.ClipValue}} {
		if f.v != 0 {
			set++
		}
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			r.Field(f.key).Errorf("must be > 0, got %g", f.v)
		} else if set > 1 && f.v != 0 {
			r.Field(f.key).Errorf("only one of clipnorm, global_clipnorm and clipvalue may be set, as in Keras")
		}
	}
}

func joinNames(names []string) string { return strings.Join(names, ", ") }
