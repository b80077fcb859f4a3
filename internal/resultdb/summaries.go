package resultdb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// RunSummary is a run with its epochs reduced to the numbers exp table shows.
type RunSummary struct {
	Run *record.Run

	// BestValAccuracy is the highest val_accuracy of any epoch; nil if no
	// epoch has one (regression, or no validation set).
	BestValAccuracy *float64
	// BestEpoch is the epoch of the best result: the earliest epoch with
	// BestValAccuracy, or, for runs without val_accuracy, the earliest
	// epoch with the lowest val_loss, or without that the lowest loss.
	// It is 0 if no epoch has any of these.
	BestEpoch int
	// FinalValAccuracy is the val_accuracy of the last recorded epoch; nil
	// if it has none.
	FinalValAccuracy *float64
	// BestValLoss is the lowest val_loss of any epoch; nil if none has one.
	BestValLoss *float64
	// EpochsDone is the number of recorded epochs.
	EpochsDone int
	// Seconds is the sum of the recorded epochs' seconds.
	Seconds float64
	// LastEpochAt is when the last recorded epoch finished (zero if none).
	LastEpochAt time.Time
}

// Summaries returns one summary per run, best first: by BestValAccuracy,
// highest first, runs without one last, then by id. On PostgreSQL the runs
// and their epochs are read from one snapshot; on SQLite by two statements,
// so the epochs of a run created in between are skipped (a run read is
// always complete up to some committed epoch).
func (s *DB) Summaries(ctx context.Context) ([]*RunSummary, error) {
	var sums []*RunSummary
	err := s.read(ctx, func(q querier) error {
		runs, err := s.queryRuns(ctx, q, `SELECT `+runColumns+` FROM runs ORDER BY id`)
		if err != nil {
			return err
		}
		sums = make([]*RunSummary, len(runs))
		byID := make(map[int64]*summarizer, len(runs))
		for i, r := range runs {
			sums[i] = &RunSummary{Run: r}
			byID[r.ID] = &summarizer{sum: sums[i]}
		}
		if err := s.summarizeEpochs(ctx, q, byID); err != nil {
			return err
		}
		for _, sz := range byID {
			sz.finish()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: summaries: %w", err)
	}
	sortSummaries(sums)
	return sums, nil
}

// summarizeEpochs folds every epoch into the summarizer of its run.
func (s *DB) summarizeEpochs(ctx context.Context, q querier, byID map[int64]*summarizer) error {
	rows, err := s.query(ctx, q, `SELECT run_id, epoch, loss, val_loss, val_accuracy, seconds, finished_at FROM epochs ORDER BY run_id, epoch`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			runID                 int64
			epoch                 int
			loss, valLoss, valAcc sql.NullFloat64
			seconds               float64
			finished              dbTime
		)
		if err := rows.Scan(&runID, &epoch, &loss, &valLoss, &valAcc, &seconds, &finished); err != nil {
			return err
		}
		if sz := byID[runID]; sz != nil {
			sz.add(epoch, floatPtr(loss), floatPtr(valLoss), floatPtr(valAcc), seconds)
			sz.sum.LastEpochAt = finished.Time
		}
	}
	return rows.Err()
}

// summarizer folds a run's epochs, in epoch order, into its RunSummary.
type summarizer struct {
	sum *RunSummary
	// The earliest epochs with the lowest val_loss and the lowest loss,
	// for runs without val_accuracy.
	minValLossEpoch, minLossEpoch int
	minLoss                       *float64
}

func (z *summarizer) add(epoch int, loss, valLoss, valAcc *float64, seconds float64) {
	s := z.sum
	s.EpochsDone++
	s.Seconds += seconds
	s.FinalValAccuracy = valAcc
	// Strict comparisons keep the earliest epoch on ties.
	if valAcc != nil && (s.BestValAccuracy == nil || *valAcc > *s.BestValAccuracy) {
		s.BestValAccuracy, s.BestEpoch = valAcc, epoch
	}
	if valLoss != nil && (s.BestValLoss == nil || *valLoss < *s.BestValLoss) {
		s.BestValLoss, z.minValLossEpoch = valLoss, epoch
	}
	if loss != nil && (z.minLoss == nil || *loss < *z.minLoss) {
		z.minLoss, z.minLossEpoch = loss, epoch
	}
}

func (z *summarizer) finish() {
	s := z.sum
	switch {
	case s.BestValAccuracy != nil:
		// BestEpoch already set.
	case s.BestValLoss != nil:
		s.BestEpoch = z.minValLossEpoch
	default:
		s.BestEpoch = z.minLossEpoch
	}
}

// sortSummaries orders sums by BestValAccuracy, highest first, nil last,
// then by run id.
func sortSummaries(sums []*RunSummary) {
	slices.SortFunc(sums, func(a, b *RunSummary) int {
		switch {
		case a.BestValAccuracy != nil && b.BestValAccuracy == nil:
			return -1
		case a.BestValAccuracy == nil && b.BestValAccuracy != nil:
			return 1
		case a.BestValAccuracy != nil:
			if c := cmp.Compare(*b.BestValAccuracy, *a.BestValAccuracy); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Run.ID, b.Run.ID)
	})
}
