package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/exp-runner/exp/internal/record"
)

// The program records runs only as trials of a sweep (PlanTrials,
// ClaimTrial, AddTrialEpoch, FinishTrial); the tests also write runs
// outside sweeps, as exp did before sweeps existed, with these writers.

// ErrFinished is wrapped by the error of finishRun when the run has already
// finished.
var ErrFinished = errors.New("already finished")

// createRun inserts r as a new run outside any sweep, running since now by
// the store's clock. It sets r.ID, r.Status and r.StartedAt, and clears
// r.FinishedAt and r.Error; r.Summary is stored if not nil.
func (s *DB) createRun(ctx context.Context, r *record.Run) error {
	if r == nil {
		return errors.New("results: create run: nil run")
	}
	if err := validateRun(r); err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	summary, err := encodeSummary(r.Summary)
	if err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	started := s.now()
	var id int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		return s.queryRow(ctx, tx, `
			INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
				learning_rate, batch_size, epochs, threads, started_at, summary)
			VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.Name, r.ModelName, r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
			r.LearningRate, r.BatchSize, r.Epochs, r.Threads, s.d.timeArg(started), summary).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	r.ID, r.Status, r.StartedAt, r.FinishedAt, r.Error = id, record.StatusRunning, started, nil, ""
	return nil
}

// finishRun records that run id finished now (by the store's clock) with
// status, which must be terminal, and errMsg ("" for none, stored as NULL).
// Finishing a run twice is an error wrapping ErrFinished.
func (s *DB) finishRun(ctx context.Context, id int64, status record.Status, errMsg string) error {
	if !status.Terminal() {
		return fmt.Errorf("results: finish run %d: invalid final status %q", id, status)
	}
	finished := s.nowArg()
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ? AND finished_at IS NULL`,
			string(status), finished, nullString(errMsg), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var prev string
		switch err := s.queryRow(ctx, tx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&prev); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("run %w", ErrNotFound)
		case err != nil:
			return err
		}
		return fmt.Errorf("%w as %s", ErrFinished, prev)
	})
	if err != nil {
		return fmt.Errorf("results: finish run %d: %w", id, err)
	}
	return nil
}

// setSummary replaces the summary of run id; a nil or empty summary is
// stored as NULL.
func (s *DB) setSummary(ctx context.Context, id int64, summary map[string]float64) error {
	text, err := encodeSummary(summary)
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE runs SET summary = ? WHERE id = ?`, text, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = fmt.Errorf("run %w", ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	return nil
}
