package report

import (
	"context"

	"github.com/exp-runner/exp/internal/record"
)

// Reader is what report reads from a results database: every run, a
// sweep's trials, and every run's epochs.
type Reader interface {
	Runs(ctx context.Context) ([]*record.Run, error)
	Trials(ctx context.Context, sweepID int64) ([]*record.Run, error)
	AllEpochs(ctx context.Context) (map[int64][]*record.Epoch, error)
}
