package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu" // registers "cpu", the default backend
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/model"
	_ "github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
	"github.com/exp-runner/exp/registry"
)

// evalPanic builds normally for training but panics, as a GoMLX op would,
// when built for evaluation.
type evalPanic struct{}

func (evalPanic) Validate(registry.Reporter) {}
func (evalPanic) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if !ctx.IsTraining(x.Graph()) {
		panic("boom: an op failed")
	}
	return x, nil
}

func init() {
	registry.Layers.Register("test_eval_panic", func() registry.Layer { return evalPanic{} })
}

func setup(t *testing.T, src string) (*config.Config, *registry.Data, backends.Backend) {
	t.Helper()
	cfg, err := config.Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := cfg.Data.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	be, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	return cfg, set, be
}

const linear = `
data: {dataset: linear, n: 200, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}, %s]}
train: {optimizer: sgd, learning_rate: 0.1, epochs: 3}
`

// TestPanicBecomesFailure: a GoMLX panic inside a run ends it as failed,
// with the panic's message, instead of taking down the process.
func TestPanicBecomesFailure(t *testing.T) {
	cfg, set, be := setup(t, strings.Replace(linear, "%s", "{type: test_eval_panic}", 1))
	res := train.Run(context.Background(), cfg, set, train.Options{Backend: be})
	if res.Status != record.StatusFailed || res.Err == nil || !strings.Contains(res.Err.Error(), "boom: an op failed") {
		t.Fatalf("status %s, err %v", res.Status, res.Err)
	}
	if len(res.Epochs) != 0 {
		t.Errorf("%d epochs finished", len(res.Epochs))
	}
}

func TestInterruptKeepsFinishedEpochs(t *testing.T) {
	cfg, set, be := setup(t, strings.Replace(linear, ", %s", "", 1))
	ctx, cancel := context.WithCancel(context.Background())
	var seen []int
	res := train.Run(ctx, cfg, set, train.Options{Backend: be, OnEpoch: func(ep train.Epoch) (train.Stop, error) {
		seen = append(seen, ep.Record.Epoch)
		cancel()
		return train.Stop{}, nil
	}})
	if res.Status != record.StatusInterrupted || len(res.Epochs) != 1 || len(seen) != 1 {
		t.Fatalf("status %s, epochs %d, seen %v", res.Status, len(res.Epochs), seen)
	}
}

func TestOnEpochErrorFails(t *testing.T) {
	cfg, set, be := setup(t, strings.Replace(linear, ", %s", "", 1))
	res := train.Run(context.Background(), cfg, set, train.Options{Backend: be, OnEpoch: func(train.Epoch) (train.Stop, error) {
		return train.Stop{}, errors.New("disk full")
	}})
	if res.Status != record.StatusFailed || !strings.Contains(res.Err.Error(), "disk full") {
		t.Fatalf("status %s, err %v", res.Status, res.Err)
	}
}

func TestFormatEpoch(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	got := train.FormatEpoch(train.Epoch{Steps: 1875, Record: record.Epoch{Epoch: 3, Seconds: 12.4, MsPerStep: 6.02,
		Loss: f(0.27634), Accuracy: f(0.9208), ValLoss: f(0.2127), ValAccuracy: f(0.94071)}}, 5)
	want := "Epoch 3/5 - 1875/1875 - 12s 6.02ms/step - loss: 0.2763 - accuracy: 0.9208 - val_loss: 0.2127 - val_accuracy: 0.9407"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestPanicStack: with Options.Stack a failure caused by a panic carries
// its stack trace, without it only the message.
func TestPanicStack(t *testing.T) {
	cfg, set, be := setup(t, strings.Replace(linear, ", %s", "", 1))
	for _, stack := range []bool{false, true} {
		res := train.Run(context.Background(), cfg, set, train.Options{Backend: be, Stack: stack,
			OnEpoch: func(train.Epoch) (train.Stop, error) { panic("boom after an epoch") }})
		if res.Status != record.StatusFailed || res.Err == nil || !strings.HasPrefix(res.Err.Error(), "boom after an epoch") {
			t.Fatalf("Stack %v: status %s, err %v", stack, res.Status, res.Err)
		}
		if got := strings.Contains(res.Err.Error(), "goroutine "); got != stack {
			t.Errorf("Stack %v: error has a stack trace: %v\n%s", stack, got, res.Err)
		}
	}
}

// TestAugmentTrainingOnly: the training examples' Augment hook fills every
// training batch, told its epoch; it decides what the model learns from
// (here: inputs negated, so the learnt slope is -w), and the validation
// examples' hook is never called.
func TestAugmentTrainingOnly(t *testing.T) {
	cfg, set, be := setup(t, strings.Replace(linear, ", %s", "", 1))
	perEpoch := map[int]int{}
	es := set.Train.ExampleSize()
	set.Train.Augment = func(x []float32, idx []int, epoch int) {
		perEpoch[epoch] += len(idx)
		for i, j := range idx {
			for k := range es {
				x[i*es+k] = -set.Train.X[j*es+k]
			}
		}
	}
	set.Val.Augment = func([]float32, []int, int) { t.Error("the validation examples were augmented") }
	_, plain, _ := setup(t, strings.Replace(linear, ", %s", "", 1))
	withAug := train.Run(context.Background(), cfg, set, train.Options{Backend: be})
	without := train.Run(context.Background(), cfg, plain, train.Options{Backend: be})
	if withAug.Err != nil || without.Err != nil {
		t.Fatal(withAug.Err, without.Err)
	}
	for ep := 1; ep <= 3; ep++ {
		if perEpoch[ep] != set.Train.N {
			t.Errorf("epoch %d: %d examples augmented, want %d", ep, perEpoch[ep], set.Train.N)
		}
	}
	// Trained on negated inputs, the model fits validation data worse.
	a, b := *withAug.Epochs[2].Record.ValLoss, *without.Epochs[2].Record.ValLoss
	if !(a > 2*b) {
		t.Errorf("val_loss %g with negated training inputs, %g without: the hook was not used", a, b)
	}
}

// TestResumeWithinEpoch: a run stopped in the middle of an epoch and
// resumed from the partial checkpoint saved there records exactly the
// metrics of an uninterrupted run (dropout and Adam: the RNG and the
// optimizer's state carry over, and the epoch's sums too).
func TestResumeWithinEpoch(t *testing.T) {
	const src = `
data: {dataset: mnist, train_examples: 256, val_examples: 64}
model: {layers: [{type: flatten}, {type: dense, units: 16, activation: relu}, {type: dropout, rate: 0.3}, {type: dense, units: 10, activation: softmax}]}
train: {optimizer: adam, learning_rate: 0.01, batch_size: 32, epochs: 3, seed: 7}
`
	cfg, set, be := setup(t, src)
	straight := train.Run(context.Background(), cfg, set, train.Options{Backend: be})
	if straight.Err != nil || len(straight.Epochs) != 3 {
		t.Fatalf("uninterrupted run: %v, %d epochs", straight.Err, len(straight.Epochs))
	}

	// A clock a second ahead at every reading: a partial save is due
	// after every step. The run stops after the one at step 5 of epoch 2.
	var clock time.Time
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	dir := t.TempDir()
	w := checkpoint.NewPartialWriter(dir)
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var saved []train.Progress
	first := train.Run(ctx, cfg, set, train.Options{Backend: be, Now: tick, PartialEvery: time.Millisecond,
		Save: func(epoch int, c *mlctx.Context) error { return checkpoint.Save(dir, epoch, c) },
		Partial: func(p train.Progress, c *mlctx.Context) error {
			saved = append(saved, p)
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if p.Epoch == 2 && p.Step == 5 {
				cancel()
			}
			return w.Save(p.Epoch, b, c)
		}})
	if first.Status != record.StatusInterrupted || len(first.Epochs) != 1 {
		t.Fatalf("stopped run: %s after %d epochs (%v)", first.Status, len(first.Epochs), first.Err)
	}
	// The interval starts at the first step.
	if len(saved) != 6+5 || saved[0].Step != 2 || saved[5].Step != 7 || saved[6].Step != 1 {
		t.Errorf("partial saves at %v; want steps 2–7 of epoch 1, 1–5 of epoch 2", saved)
	}

	p, err := checkpoint.ReadPartial(dir)
	if err != nil || p == nil {
		t.Fatalf("reading the partial checkpoint: %v", err)
	}
	var at train.Progress
	if err := json.Unmarshal(p.Progress, &at); err != nil || at.Epoch != 2 || at.Step != 5 || at.Seen != 160 {
		t.Fatalf("partial checkpoint at %+v (%v), want epoch 2 step 5", at, err)
	}
	resumed := train.Run(context.Background(), cfg, set, train.Options{Backend: be,
		History: []record.Epoch{first.Epochs[0].Record}, Restore: p.Restore, Resume: &at})
	if resumed.Err != nil || len(resumed.Epochs) != 2 {
		t.Fatalf("resumed run: %v, %d epochs", resumed.Err, len(resumed.Epochs))
	}
	got := append([]train.Epoch{first.Epochs[0]}, resumed.Epochs...)
	for i, want := range straight.Epochs {
		g, w := got[i].Record, want.Record
		for _, m := range []struct {
			name string
			a, b *float64
		}{{"loss", g.Loss, w.Loss}, {"accuracy", g.Accuracy, w.Accuracy}, {"val_loss", g.ValLoss, w.ValLoss}, {"val_accuracy", g.ValAccuracy, w.ValAccuracy}} {
			if m.a == nil || m.b == nil || *m.a != *m.b {
				t.Errorf("epoch %d %s: %v after the resume, %v uninterrupted", i+1, m.name, deref(m.a), deref(m.b))
			}
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
