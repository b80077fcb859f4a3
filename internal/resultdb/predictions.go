package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/exp-runner/exp/internal/record"
)

// AddTrialEpochConfusion is AddTrialEpoch that also stores confusion (JSON)
// as the run's confusion matrix, in the same transaction: the matrix of a
// new best epoch is committed with that epoch.
func (s *DB) AddTrialEpochConfusion(ctx context.Context, owner string, e *record.Epoch, confusion string) error {
	return s.addTrialEpoch(ctx, owner, e, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE runs SET confusion = ? WHERE id = ?`, confusion, e.RunID)
		return err
	})
}

// Confusion returns run id's stored confusion matrix (JSON), "" if none.
func (s *DB) Confusion(ctx context.Context, id int64) (string, error) {
	var c sql.NullString
	err := s.queryRow(ctx, s.db, `SELECT confusion FROM runs WHERE id = ?`, id).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("results: confusion of run %d: run %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("results: confusion of run %d: %w", id, err)
	}
	return c.String, nil
}

// AddEvaluation records ev, setting its ID and CreatedAt.
func (s *DB) AddEvaluation(ctx context.Context, ev *record.Evaluation) error {
	created := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.queryRow(ctx, tx, `SELECT COUNT(*) FROM runs WHERE id = ?`, ev.RunID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("run %w", ErrNotFound)
		}
		return s.queryRow(ctx, tx, `INSERT INTO evaluations (run_id, data, data_hash, loss, accuracy, mse, mae, rmse, r2, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			ev.RunID, ev.Data, ev.DataHash, nullFloat(ev.Loss), nullFloat(ev.Accuracy), nullFloat(ev.MSE),
			nullFloat(ev.MAE), nullFloat(ev.RMSE), nullFloat(ev.R2), s.d.timeArg(created)).Scan(&ev.ID)
	})
	if err != nil {
		return fmt.Errorf("results: add evaluation of run %d: %w", ev.RunID, err)
	}
	ev.CreatedAt = created
	return nil
}

// Evaluations returns run id's evaluations, oldest first.
func (s *DB) Evaluations(ctx context.Context, id int64) ([]*record.Evaluation, error) {
	evs, err := queryAll(ctx, s, s.db, scanEvaluation, `SELECT id, run_id, data, data_hash, loss, accuracy, mse, mae, rmse, r2, created_at
		FROM evaluations WHERE run_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("results: evaluations of run %d: %w", id, err)
	}
	return evs, nil
}

func scanEvaluation(rows *sql.Rows) (*record.Evaluation, error) {
	var (
		ev      record.Evaluation
		m       [6]sql.NullFloat64
		created dbTime
	)
	if err := rows.Scan(&ev.ID, &ev.RunID, &ev.Data, &ev.DataHash, &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &created); err != nil {
		return nil, err
	}
	ev.Loss, ev.Accuracy, ev.MSE = floatPtr(m[0]), floatPtr(m[1]), floatPtr(m[2])
	ev.MAE, ev.RMSE, ev.R2 = floatPtr(m[3]), floatPtr(m[4]), floatPtr(m[5])
	ev.CreatedAt = created.Time
	return &ev, nil
}
