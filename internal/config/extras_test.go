package config_test

import (
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/schedule"
)

// mapped is base with the optimizer as a mapping.
var mapped = strings.Replace(base, "optimizer: adam}", "optimizer: {name: adam}}", 1)

// TestTrainingKeys: the new training keys parse, round-trip through the
// resolved YAML, change the hash when set, and a plateau's monitor defaults
// to the one rule's metric.
func TestTrainingKeys(t *testing.T) {
	src := strings.Replace(base, "{type: dense, units: 10, activation: softmax}",
		"{type: dense, units: 10, activation: softmax, kernel_regularizer: {l2: 1e-4}}", 1)
	src = strings.Replace(src, "optimizer: adam}", `optimizer: {name: adam, clipnorm: 1},
  lr_schedule: {name: plateau, patience: 2}, label_smoothing: 0.1, class_weight: {0: 2, 3: 0.5}}`, 1)
	c := mustParse(t, "a.yaml", src)
	p, ok := c.Train.LRSchedule.Spec.(*schedule.Plateau)
	if !ok || p.Monitor != "val_accuracy" || p.Patience != 2 || p.Factor != 0.1 {
		t.Errorf("lr_schedule = %+v, want plateau monitoring val_accuracy, patience 2, factor 0.1", c.Train.LRSchedule.Spec)
	}
	if c.Train.Optimizer.ClipNorm != 1 || c.Train.LabelSmoothing != 0.1 || c.Train.ClassWeight.Weights[3] != 0.5 ||
		c.Model.Layers[2].KernelRegularizer.L2 != 1e-4 {
		t.Errorf("keys not decoded: %+v", c.Train)
	}
	y := c.YAML()
	if c2 := mustParse(t, "a.yaml", y); c2.YAML() != y || c2.Hash() != c.Hash() {
		t.Errorf("resolved config does not round-trip:\n%s\n---\n%s", y, c2.YAML())
	}
	h := mustParse(t, "a.yaml", mapped).Hash()
	if h != mustParse(t, "a.yaml", base).Hash() {
		t.Errorf("optimizer as a name and as a mapping: hashes differ")
	}
	for _, set := range []string{"train.label_smoothing=0.1", "train.class_weight=balanced", "train.optimizer.clipvalue=1",
		"train.lr_schedule.name=cosine", "model.layers[0].kernel_regularizer.l1=0.01"} {
		if mustParse(t, "a.yaml", mapped, set).Hash() == h {
			t.Errorf("--set %s: hash unchanged", set)
		}
	}
	for _, set := range []string{"train.label_smoothing=0", "train.optimizer.clipnorm=0"} {
		if mustParse(t, "a.yaml", mapped, set).Hash() != h {
			t.Errorf("--set %s (the default): hash changed", set)
		}
	}
	w := (&config.ClassWeight{Balanced: true}).Of(3, []int32{0, 0, 0, 1})
	if w[0] != 4.0/9 || w[1] != 4.0/3 || w[2] != 0 {
		t.Errorf("balanced weights = %v, want [4/9 4/3 0]", w)
	}
}

// TestTrainingKeyErrors: each bad value is reported at its key.
func TestTrainingKeyErrors(t *testing.T) {
	for _, tt := range []struct{ set, want string }{
		{"train.lr_schedule.name=cosin", `train.lr_schedule.name: unknown lr_schedule "cosin" (known: cosine, exponential, plateau, step); did you mean "cosine"?`},
		{"train.lr_schedule.name=step", ""},
		{"train.lr_schedule.factor=-1", "train.lr_schedule.name: is required"},
		{"train.label_smoothing=2", "train.label_smoothing: must be in [0, 1], got 2"},
		{"train.class_weight=even", `train.class_weight: must be "balanced" or a mapping from class to weight, got "even"`},
		{"train.optimizer.clipvalue=-1", "train.optimizer.clipvalue: must be > 0, got -1"},
		{"model.layers[1].kernel_regularizer.l2=0.1", "model.layers[1].kernel_regularizer: a flatten layer takes no kernel_regularizer (layers that do: conv1d, conv2d, dense)"},
		{"model.layers[0].kernel_regularizer.l2=-1", "model.layers[0].kernel_regularizer.l2: must be ≥ 0, got -1"},
	} {
		_, err := config.Parse("a.yaml", []byte(mapped), config.Sets([]string{tt.set}))
		if tt.want == "" {
			if err != nil {
				t.Errorf("--set %s: %v", tt.set, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--set %s: error %v, want it to contain %q", tt.set, err, tt.want)
		}
	}
	for _, tt := range []struct{ train, want string }{
		{"lr_schedule: {name: plateau, monitor: lr}", `a.yaml:9:41: train.lr_schedule.monitor: unknown metric "lr"`},
		{"class_weight: {12: 1}", "a.yaml:9:22: train.class_weight.12: class 12 is not in [0, 10)"},
	} {
		src := base + "  " + tt.train + "\n"
		src = strings.Replace(src, "train: {learning_rate: 1e-4, optimizer: adam}", "train:\n  learning_rate: 1e-4", 1)
		if _, err := config.Parse("a.yaml", []byte(src), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.train, err, tt.want)
		}
	}
}
