package resultdb

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// epochColumns are the epochs columns read by scanEpochs, in its order.
const epochColumns = `run_id, epoch, loss, accuracy, val_loss, val_accuracy, val_f1_macro,
	seconds, ms_per_step, examples_per_second, finished_at, lr`

// insertEpoch inserts e, finished at finished, in tx.
func (s *DB) insertEpoch(ctx context.Context, tx *sql.Tx, e *record.Epoch, finished time.Time) error {
	_, err := s.exec(ctx, tx, `
		INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, val_f1_macro,
			seconds, ms_per_step, examples_per_second, finished_at, lr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.RunID, e.Epoch, nullFloat(e.Loss), nullFloat(e.Accuracy), nullFloat(e.ValLoss), nullFloat(e.ValAccuracy), nullFloat(e.ValF1Macro),
		e.Seconds, e.MsPerStep, e.ExamplesPerSecond, s.d.timeArg(finished), nullFloat(e.LR))
	return err
}

func validateEpoch(e *record.Epoch) error {
	if e.Epoch < 1 {
		return fmt.Errorf("epoch number %d is not positive (epochs count from 1)", e.Epoch)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"seconds", e.Seconds},
		{"ms_per_step", e.MsPerStep},
		{"examples_per_second", e.ExamplesPerSecond},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("%s is %v, want a finite number ≥ 0", f.name, f.v)
		}
	}
	return nil
}

// Epochs returns the epochs of run runID, by epoch number. A run without
// epochs gives none; a missing run gives an error wrapping ErrNotFound.
func (s *DB) Epochs(ctx context.Context, runID int64) ([]*record.Epoch, error) {
	epochs, err := s.queryEpochs(ctx, `SELECT `+epochColumns+` FROM epochs WHERE run_id = ? ORDER BY epoch`, runID)
	if err != nil {
		return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
	}
	if len(epochs) == 0 {
		var n int
		if err := s.queryRow(ctx, s.db, `SELECT COUNT(*) FROM runs WHERE id = ?`, runID).Scan(&n); err != nil {
			return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("results: epochs of run %d: run %w", runID, ErrNotFound)
		}
	}
	return epochs, nil
}

// AllEpochs returns the epochs of every run, by run id, each run's in epoch order.
func (s *DB) AllEpochs(ctx context.Context) (map[int64][]*record.Epoch, error) {
	epochs, err := s.queryEpochs(ctx, `SELECT `+epochColumns+` FROM epochs ORDER BY run_id, epoch`)
	if err != nil {
		return nil, fmt.Errorf("results: epochs: %w", err)
	}
	out := map[int64][]*record.Epoch{}
	for _, e := range epochs {
		out[e.RunID] = append(out[e.RunID], e)
	}
	return out, nil
}

// queryEpochs returns the epochs a query of epochColumns selects.
func (s *DB) queryEpochs(ctx context.Context, query string, args ...any) ([]*record.Epoch, error) {
	return queryAll(ctx, s, s.db, scanEpoch, query, args...)
}

// scanEpoch reads a row of epochColumns.
func scanEpoch(rows *sql.Rows) (*record.Epoch, error) {
	var (
		e                              record.Epoch
		loss, acc, valLoss, valAcc, f1 sql.NullFloat64
		lr                             sql.NullFloat64
		finished                       dbTime
	)
	if err := rows.Scan(&e.RunID, &e.Epoch, &loss, &acc, &valLoss, &valAcc, &f1,
		&e.Seconds, &e.MsPerStep, &e.ExamplesPerSecond, &finished, &lr); err != nil {
		return nil, err
	}
	e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy = floatPtr(loss), floatPtr(acc), floatPtr(valLoss), floatPtr(valAcc)
	e.ValF1Macro, e.LR = floatPtr(f1), floatPtr(lr)
	e.FinishedAt = finished.Time
	return &e, nil
}

// nullFloat is the SQL value of an optional metric: NULL for nil or NaN.
func nullFloat(p *float64) any {
	if p == nil || math.IsNaN(*p) {
		return nil
	}
	return *p
}

// floatPtr returns a pointer to a nullable metric's value, nil for NULL.
func floatPtr(v sql.NullFloat64) *float64 { return valuePtr(v.Float64, v.Valid) }
