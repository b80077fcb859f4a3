package plan_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu" // registers "cpu", the default backend
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/internal/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// describe renders a plan: each trial's params and the values it resolved to.
func describe(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d trials\n", p.Name, len(p.Trials))
	for _, t := range p.Trials {
		var params []string
		for _, kv := range t.Params {
			params = append(params, fmt.Sprintf("%s=%v", kv.Path, kv.Value))
		}
		c := t.Config
		fmt.Fprintf(&b, "%d: %s | model %s (%d layers) lr %g batch %d seed %d | %s\n", t.Index, strings.Join(params, " "),
			c.Model.Name, len(c.Model.Layers), c.Train.LearningRate, c.Train.BatchSize, c.Train.Seed, c.Hash()[:12])
	}
	for _, a := range p.Architectures {
		fmt.Fprintf(&b, "model %s: trials %v, %d params\n", a.Model, a.Trials, a.Summary.Total)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"grid", "random", "random_discrete"} {
		t.Run(name, func(t *testing.T) {
			p, err := plan.Load(filepath.Join("testdata", name+".yaml"), nil, plan.Options{NewBackend: backends.NewWithConfig})
			if err != nil {
				t.Fatal(err)
			}
			got := describe(p)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
				return
			}
			want, _ := os.ReadFile(golden)
			if got != string(want) {
				t.Errorf("plan differs (go test -update rewrites it):\n%s\nwant:\n%s", got, want)
			}
			// The same file always yields the same trials.
			again, err := plan.Load(filepath.Join("testdata", name+".yaml"), nil, plan.Options{})
			if err != nil || describe2(again) != describe2(p) {
				t.Errorf("a second load planned different trials")
			}
		})
	}
}

func describe2(p *plan.Plan) string {
	var b strings.Builder
	for _, t := range p.Trials {
		b.WriteString(t.Config.Hash())
	}
	return b.String()
}

func TestRandomSeedMatters(t *testing.T) {
	p0, err := plan.Load(filepath.Join("testdata", "random.yaml"), nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := describe2(p0)
	src, _ := os.ReadFile(filepath.Join("testdata", "random.yaml"))
	other := filepath.Join(t.TempDir(), "random.yaml")
	os.WriteFile(other, []byte(strings.Replace(string(src), "seed: 7", "seed: 8", 1)), 0o644)
	p, err := plan.Load(other, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if describe2(p) == a {
		t.Error("another seed drew the same trials")
	}
}

// TestDistinct: on a discrete space random search samples without
// replacement, and asking for more trials than exist is an error.
func TestDistinct(t *testing.T) {
	p, err := plan.Load(filepath.Join("testdata", "random_discrete.yaml"), nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tr := range p.Trials {
		h := tr.Config.Hash()
		if seen[h] {
			t.Errorf("trial %d repeats an earlier one", tr.Index)
		}
		seen[h] = true
	}
	src, _ := os.ReadFile(filepath.Join("testdata", "random_discrete.yaml"))
	other := filepath.Join(t.TempDir(), "d.yaml")
	os.WriteFile(other, []byte(strings.Replace(string(src), "samples: 5", "samples: 7", 1)), 0o644)
	_, err = plan.Load(other, nil, plan.Options{})
	if err == nil || !strings.Contains(err.Error(), "asks for 7 trials, but the axes hold only 6 distinct ones") {
		t.Errorf("error %v", err)
	}
}

func TestMerge(t *testing.T) {
	p, err := plan.Load(filepath.Join("testdata", "grid.yaml"), config.Sets([]string{"train.epochs=3"}), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 2 variants × 2 distinct learning rates (1e-4 twice) × 2 seeds.
	if len(p.Trials) != 8 {
		t.Fatalf("%d trials, want 8", len(p.Trials))
	}
	for _, tr := range p.Trials {
		c := tr.Config
		wantBatch, wantLayers := 32, 2
		if tr.Variant == "wide" {
			wantBatch, wantLayers = 64, 3
		}
		if c.Train.BatchSize != wantBatch || len(c.Model.Layers) != wantLayers || c.Model.Name != tr.Variant ||
			c.Train.Epochs != 3 || c.Train.Optimizer.Name != "adam" || c.Name != "grid" {
			t.Errorf("trial %d (%s): batch %d, %d layers, model %q, epochs %d", tr.Index, tr.Variant, c.Train.BatchSize, len(c.Model.Layers), c.Model.Name, c.Train.Epochs)
		}
	}
}

func TestMaxTrials(t *testing.T) {
	_, err := plan.Load(filepath.Join("testdata", "grid.yaml"), nil, plan.Options{MaxTrials: 5})
	if err == nil || !strings.Contains(err.Error(), "testdata/grid.yaml:18:3: sweep: the sweep has 12 trials, more than the limit of 5") {
		t.Errorf("error %v", err)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	os.WriteFile(path, []byte(`name: s
variants:
  a: {model: {layers: [{type: flatten}, {type: dense, units: 10}]}}
  b: {from: nothere.yaml}
  c: {model: {layers: [{type: flatten}, {type: dense, units: 0}]}}
sweep:
  method: grid
  axes:
    variant: [a, c, d]
    train.learning_rate: [1e-3, 0]
    train.lerning_rate: [1]
    train.batch_size: []
    model.layers[5].units: [3]
    train.seed: {uniform: [0, 1]}
    train.epochs: {normal: [0, 1]}
  prune: {rule: mean, milestones: [2, 1], min_trials: 0}
`), 0o644)
	_, err := plan.Load(path, nil, plan.Options{})
	got := strings.ReplaceAll(fmt.Sprint(err), dir, "DIR")
	want := `DIR/bad.yaml:4:13: variants.b.from: nothere.yaml does not exist (looked in DIR/nothere.yaml, nothere.yaml)
DIR/bad.yaml:5:62: model.layers[1].units: must be > 0, got 0
DIR/bad.yaml:9:21: sweep.axes.variant[2]: unknown variant "d" (known: a, c); did you mean "a"?
DIR/bad.yaml:10:33: train.learning_rate: must be > 0, got 0
DIR/bad.yaml:11:5: train.lerning_rate: unknown key "lerning_rate" (known: batch_size, checkpoint, class_weight, early_stopping, epochs, eval_batch_size, label_smoothing, learning_rate, loss, lr_schedule, optimizer, seed); did you mean "learning_rate"?
DIR/bad.yaml:12:23: sweep.axes.train.batch_size: an axis needs at least one value
DIR/bad.yaml:13:5: sweep.axes.model.layers[5].units: model.layers has 2 items, no index 5
DIR/bad.yaml:14:27: sweep.axes.train.seed: a uniform distribution needs method: random (grid search takes lists)
DIR/bad.yaml:15:20: sweep.axes.train.epochs.normal: unknown key "normal" (known: choice, int, loguniform, uniform)
DIR/bad.yaml:16:17: sweep.prune.rule: must be median or asha, got "mean"
DIR/bad.yaml:16:39: sweep.prune.milestones[1]: milestones must be increasing epochs ≥ 1, got 1
DIR/bad.yaml:16:55: sweep.prune.min_trials: must be ≥ 1, got 0`
	if got != want {
		t.Errorf("errors:\n%s\nwant:\n%s", got, want)
	}
}

// TestPruneDefaultMonitor: a prune section without a monitor ranks trials by
// record.DefaultMetric of what every trial records.
func TestPruneDefaultMonitor(t *testing.T) {
	for _, tt := range []struct{ data, monitor, want string }{
		{"{dataset: mnist}", "", "val_accuracy"},
		{"{dataset: linear, validation_split: 0.2}", "", "val_loss"},
		{"{dataset: linear}", "", "loss"},
		{"{dataset: mnist}", "monitor: loss,", "loss"},
	} {
		src := fmt.Sprintf(`data: %s
model: {layers: [{type: flatten}, {type: dense, units: 1}]}
sweep:
  axes: {train.learning_rate: [0.1, 0.01]}
  prune: {rule: median, %s milestones: [1]}
`, tt.data, tt.monitor)
		path := filepath.Join(t.TempDir(), "p.yaml")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := plan.Load(path, nil, plan.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.data, err)
		}
		if got := p.Spec.Prune.Monitor; got != tt.want {
			t.Errorf("%s %s: monitor %q, want %q", tt.data, tt.monitor, got, tt.want)
		}
	}
}
