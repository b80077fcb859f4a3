package sweep

import (
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
)

// bestKeeper keeps a trial's best-epoch checkpoint: written before the
// epoch is committed when it strictly improves on the committed best, the
// older one removed once the new one's epoch is committed.
type bestKeeper struct {
	dir  string
	best *record.Best // over committed epochs
}

// newBestKeeper follows metric over the trial's committed history.
func newBestKeeper(dir, metric string, history []record.Epoch) *bestKeeper {
	b := &bestKeeper{dir: dir, best: record.NewBest(metric)}
	for _, ep := range history {
		b.best.Observe(ep)
	}
	return b
}

// save keeps ep's weights as the best checkpoint if ep improves: the
// epoch's checkpoint, which train.Run saved from ctx just before, linked
// under the best checkpoint's name, or written again where that fails.
func (b *bestKeeper) save(ep train.Epoch, ctx *mlctx.Context) error {
	if !b.best.Improves(ep.Record) {
		return nil
	}
	if checkpoint.LinkBest(b.dir, ep.Record.Epoch) == nil {
		return nil
	}
	return checkpoint.SaveBest(b.dir, ep.Record.Epoch, ctx)
}

// confusion returns the runs.confusion JSON to commit with ep: its matrix
// when ep is the new best, else "" (keep the stored one).
func (b *bestKeeper) confusion(ep train.Epoch) string {
	if ep.Confusion == nil || !b.best.Improves(ep.Record) {
		return ""
	}
	return confusion.Stored{Epoch: ep.Record.Epoch, Matrix: ep.Confusion}.Encode()
}

// committed records that ep was committed; a new best prunes the older.
func (b *bestKeeper) committed(ep train.Epoch) error {
	if !b.best.Observe(ep.Record) {
		return nil
	}
	return checkpoint.PruneBest(b.dir, ep.Record.Epoch)
}
