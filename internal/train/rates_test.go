package train_test

import (
	"context"
	"strings"
	"testing"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
)

const scheduled = `
data: {dataset: linear, n: 200, validation_split: 0.25}
model: {layers: [{type: dense, units: 1, kernel_regularizer: {l2: 0.01}}]}
train: {optimizer: {name: sgd, momentum: 0.5, clipnorm: 5}, learning_rate: 0.2, epochs: 6, lr_schedule: %s}
`

// TestScheduledResume interrupts a scheduled run after epoch 3 and resumes
// it from the checkpoint and the recorded epochs: every epoch's metrics and
// learning rate equal those of an uninterrupted run, bit for bit, and the
// rate does change during the run.
func TestScheduledResume(t *testing.T) {
	for _, sched := range []string{
		"{name: cosine, warmup_epochs: 1, min_lr: 0.01}",
		"{name: plateau, factor: 0.5, patience: 1, min_delta: 0.05}",
	} {
		t.Run(strings.Trim(strings.Fields(sched)[1], ","), func(t *testing.T) {
			cfg, set, be := setup(t, strings.Replace(scheduled, "%s", sched, 1))
			clean := train.Run(context.Background(), cfg, set, train.Options{Backend: be})
			if clean.Status != record.StatusCompleted || len(clean.Epochs) != 6 {
				t.Fatalf("uninterrupted: %s %v, %d epochs", clean.Status, clean.Err, len(clean.Epochs))
			}
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			first := train.Run(ctx, cfg, set, train.Options{Backend: be,
				Save: func(epoch int, c *mlctx.Context) error { return checkpoint.Save(dir, epoch, c) },
				OnEpoch: func(ep train.Epoch) (train.Stop, error) {
					if ep.Record.Epoch == 3 {
						cancel()
					}
					return train.Stop{}, nil
				}})
			if first.Status != record.StatusInterrupted || len(first.Epochs) != 3 {
				t.Fatalf("interrupted: %s, %d epochs", first.Status, len(first.Epochs))
			}
			var history []record.Epoch
			for _, ep := range first.Epochs {
				history = append(history, ep.Record)
			}
			rest := train.Run(context.Background(), cfg, set, train.Options{Backend: be, History: history,
				Restore: func(c *mlctx.Context) error { return checkpoint.Load(dir, 3, c) }})
			if rest.Status != record.StatusCompleted || len(rest.Epochs) != 3 {
				t.Fatalf("resumed: %s %v, %d epochs", rest.Status, rest.Err, len(rest.Epochs))
			}
			got := append(first.Epochs, rest.Epochs...)
			rates := map[float64]bool{}
			for i, want := range clean.Epochs {
				g, w := got[i].Record, want.Record
				if *g.Loss != *w.Loss || *g.ValLoss != *w.ValLoss || *g.LR != *w.LR {
					t.Errorf("epoch %d: loss %v, val_loss %v, lr %v; uninterrupted %v, %v, %v",
						i+1, *g.Loss, *g.ValLoss, *g.LR, *w.Loss, *w.ValLoss, *w.LR)
				}
				rates[*w.LR] = true
			}
			if len(rates) < 3 {
				t.Errorf("the schedule took only the rates %v", rates)
			}
		})
	}
}
