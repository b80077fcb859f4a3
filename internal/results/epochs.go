package results

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Epoch is the metrics of one epoch of a run: a row of the epochs table.
type Epoch struct {
	RunID int64
	Epoch int // 1-based

	// Loss and Accuracy are the training metrics, ValLoss and ValAccuracy
	// those on the validation set; nil is NULL: no accuracy for a
	// regression, no val_ metrics without a validation set. SQLite has no
	// NaN: a NaN metric is stored as NULL and reads back nil.
	Loss, Accuracy, ValLoss, ValAccuracy *float64

	Seconds           float64 // wall time of the epoch
	MsPerStep         float64 // mean milliseconds per training step
	ExamplesPerSecond float64 // training throughput
	FinishedAt        time.Time
}

// epochColumns are the epochs columns read by Epochs, in its scan order.
const epochColumns = `run_id, epoch, loss, accuracy, val_loss, val_accuracy,
	seconds, ms_per_step, examples_per_second, finished_at`

// AddEpoch records e in one transaction. If e.FinishedAt is zero it is set
// to now by the store's clock; either way it is set to the time as stored
// (UTC, whole milliseconds). Recording an epoch twice is an error wrapping
// ErrDuplicate; an epoch of a missing run is an error wrapping ErrNotFound.
func (s *SQLite) AddEpoch(ctx context.Context, e *Epoch) error {
	if e == nil {
		return fmt.Errorf("results: add epoch: nil epoch")
	}
	if err := validateEpoch(e); err != nil {
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	finished := normTime(e.FinishedAt)
	if e.FinishedAt.IsZero() {
		finished = s.now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return insertEpoch(ctx, tx, e, finished) })
	switch {
	case isConstraint(err, sqlite3.ErrConstraintPrimaryKey):
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, ErrDuplicate)
	case isConstraint(err, sqlite3.ErrConstraintForeignKey):
		return fmt.Errorf("results: add epoch %d of run %d: run %w", e.Epoch, e.RunID, ErrNotFound)
	case err != nil:
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	e.FinishedAt = finished
	return nil
}

func insertEpoch(ctx context.Context, tx *sql.Tx, e *Epoch, finished time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy,
			seconds, ms_per_step, examples_per_second, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.RunID, e.Epoch, nullFloat(e.Loss), nullFloat(e.Accuracy), nullFloat(e.ValLoss), nullFloat(e.ValAccuracy),
		e.Seconds, e.MsPerStep, e.ExamplesPerSecond, normTime(finished).Format(timeLayout))
	return err
}

func validateEpoch(e *Epoch) error {
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
func (s *SQLite) Epochs(ctx context.Context, runID int64) ([]*Epoch, error) {
	epochs, err := s.queryEpochs(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
	}
	if len(epochs) == 0 {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE id = ?`, runID).Scan(&n); err != nil {
			return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("results: epochs of run %d: run %w", runID, ErrNotFound)
		}
	}
	return epochs, nil
}

func (s *SQLite) queryEpochs(ctx context.Context, runID int64) ([]*Epoch, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+epochColumns+` FROM epochs WHERE run_id = ? ORDER BY epoch`, runID)
	if err != nil {
		return nil, err
	}
	return scanEpochs(rows)
}

// AllEpochs returns the epochs of every run, by run id, each run's in epoch order.
func (s *SQLite) AllEpochs(ctx context.Context) (map[int64][]*Epoch, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+epochColumns+` FROM epochs ORDER BY run_id, epoch`)
	if err != nil {
		return nil, fmt.Errorf("results: epochs: %w", err)
	}
	epochs, err := scanEpochs(rows)
	if err != nil {
		return nil, fmt.Errorf("results: epochs: %w", err)
	}
	out := map[int64][]*Epoch{}
	for _, e := range epochs {
		out[e.RunID] = append(out[e.RunID], e)
	}
	return out, nil
}

func scanEpochs(rows *sql.Rows) ([]*Epoch, error) {
	defer rows.Close()
	var epochs []*Epoch
	for rows.Next() {
		var (
			e                          Epoch
			loss, acc, valLoss, valAcc sql.NullFloat64
			finished                   string
		)
		if err := rows.Scan(&e.RunID, &e.Epoch, &loss, &acc, &valLoss, &valAcc,
			&e.Seconds, &e.MsPerStep, &e.ExamplesPerSecond, &finished); err != nil {
			return nil, err
		}
		e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy = floatPtr(loss), floatPtr(acc), floatPtr(valLoss), floatPtr(valAcc)
		t, err := parseTime(finished)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: finished_at: %w", e.Epoch, err)
		}
		e.FinishedAt = t
		epochs = append(epochs, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return epochs, nil
}

// nullFloat is the SQL value of an optional metric: NULL for nil or NaN.
func nullFloat(p *float64) any {
	if p == nil || math.IsNaN(*p) {
		return nil
	}
	return *p
}

func floatPtr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}
