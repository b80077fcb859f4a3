package sweep

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
)

// TestBestKeeper follows a run's val_accuracy: the best checkpoint is written
// before the commit only on strict improvement (a tie keeps the earlier
// epoch), the older one is removed once the new one's epoch is committed,
// and a resumed run knows its committed best.
func TestBestKeeper(t *testing.T) {
	dir := t.TempDir()
	ctx := mlctx.New()
	ctx.VariableWithValue("w", tensors.FromValue([]float32{1}))
	acc := func(epoch int, v float64) train.Epoch {
		return train.Epoch{Record: record.Epoch{Epoch: epoch, ValAccuracy: &v}, Confusion: confusion.Matrix{{1, 0}, {0, 1}}}
	}
	b := newBestKeeper(dir, record.ValAccuracy, nil)
	step := func(ep train.Epoch, wantSaved bool, wantBest []int) {
		t.Helper()
		if err := b.save(ep, ctx); err != nil {
			t.Fatal(err)
		}
		if got := b.confusion(ep) != ""; got != wantSaved {
			t.Errorf("epoch %d: confusion to commit %v, want %v", ep.Record.Epoch, got, wantSaved)
		}
		if err := b.committed(ep); err != nil {
			t.Fatal(err)
		}
		if got := bestEpochs(t, dir); !slices.Equal(got, wantBest) {
			t.Errorf("after epoch %d: best checkpoints %v, want %v", ep.Record.Epoch, got, wantBest)
		}
	}
	step(acc(1, 0.5), true, []int{1})
	step(acc(2, 0.7), true, []int{2})
	step(acc(3, 0.7), false, []int{2}) // a tie: the earliest stays
	step(acc(4, 0.6), false, []int{2})
	// A resumed run: the best of its history stays until beaten.
	history := []record.Epoch{acc(1, 0.5).Record, acc(2, 0.7).Record, acc(3, 0.7).Record, acc(4, 0.6).Record}
	b = newBestKeeper(dir, record.ValAccuracy, history)
	step(acc(5, 0.65), false, []int{2})
	// As in a trial, the epoch's checkpoint is saved first: the best one
	// is made of its files, not written again.
	if err := checkpoint.Save(dir, 6, ctx); err != nil {
		t.Fatal(err)
	}
	step(acc(6, 0.8), true, []int{6})
	fresh := mlctx.New()
	if err := checkpoint.LoadBest(dir, 6, fresh); err != nil {
		t.Fatal(err)
	}
	vars := func(path string) os.FileInfo {
		st, err := os.Stat(filepath.Join(path, "variables.json"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if !os.SameFile(vars(checkpoint.Path(dir, 6)), vars(checkpoint.BestPath(dir, 6))) {
		t.Error("the best checkpoint of epoch 6 was written again rather than linked to the epoch's")
	}
}

func bestEpochs(t *testing.T, dir string) []int {
	var out []int
	for e := 1; e <= 6; e++ {
		if _, err := osStat(checkpoint.BestPath(dir, e)); err == nil {
			out = append(out, e)
		}
	}
	return out
}

var osStat = os.Stat
