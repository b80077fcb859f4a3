package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgRunColumns are the runs columns read by scanPgRun, in its order.
const pgRunColumns = `id, name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
	learning_rate, batch_size, epochs, threads, started_at, finished_at, error, summary,
	sweep_id, trial, variant, params, attempts, stop_reason, owner, lease_expires_at`

// pgEpochColumns are the epochs columns read by scanPgEpoch, in its order.
const pgEpochColumns = `run_id, epoch, loss, accuracy, val_loss, val_accuracy,
	seconds, ms_per_step, examples_per_second, finished_at`

func scanPgRun(row pgx.CollectableRow) (*Run, error) {
	var (
		r                              Run
		status                         string
		started                        time.Time
		finished, lease                *time.Time
		errText, summ, variant, params *string
		stop, owner                    *string
		sweepID, trial                 *int64
	)
	if err := row.Scan(&r.ID, &r.Name, &r.ModelName, &status, &r.ConfigYAML, &r.ConfigHash, &r.Seed,
		&r.Backend, &r.Optimizer, &r.LearningRate, &r.BatchSize, &r.Epochs, &r.Threads,
		&started, &finished, &errText, &summ, &sweepID, &trial, &variant, &params, &r.Attempts, &stop, &owner, &lease); err != nil {
		return nil, err
	}
	r.Status = Status(status)
	r.StartedAt, r.FinishedAt, r.LeaseExpiresAt = pgTime(started), pgTimePtr(finished), pgTimePtr(lease)
	r.Error, r.Variant, r.StopReason, r.Owner = str(errText), str(variant), str(stop), str(owner)
	if sweepID != nil {
		r.SweepID = *sweepID
	}
	if trial != nil {
		r.Trial = int(*trial)
	}
	if params != nil {
		if err := json.Unmarshal([]byte(*params), &r.Params); err != nil {
			return nil, fmt.Errorf("run %d: params: %w", r.ID, err)
		}
	}
	if summ != nil {
		var err error
		if r.Summary, err = decodeSummary(*summ); err != nil {
			return nil, fmt.Errorf("run %d: summary: %w", r.ID, err)
		}
	}
	return &r, nil
}

func scanPgEpoch(row pgx.CollectableRow) (*Epoch, error) {
	var e Epoch
	var finished time.Time
	if err := row.Scan(&e.RunID, &e.Epoch, &e.Loss, &e.Accuracy, &e.ValLoss, &e.ValAccuracy,
		&e.Seconds, &e.MsPerStep, &e.ExamplesPerSecond, &finished); err != nil {
		return nil, err
	}
	e.FinishedAt = pgTime(finished)
	return &e, nil
}

// pgQuerier is a pool or a transaction.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryRuns returns the runs a query of pgRunColumns selects.
func queryPgRuns(ctx context.Context, q pgQuerier, query string, args ...any) ([]*Run, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPgRun)
}

func queryPgEpochs(ctx context.Context, q pgQuerier, query string, args ...any) ([]*Epoch, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPgEpoch)
}

// CreateRun inserts r as a new run with status running, started now by the
// store's clock. It sets r.ID, r.Status and r.StartedAt, and clears
// r.FinishedAt and r.Error; r.Summary is stored if not nil.
func (s *Postgres) CreateRun(ctx context.Context, r *Run) error {
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
	err = s.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
				learning_rate, batch_size, epochs, threads, started_at, summary)
			VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			RETURNING id`,
			r.Name, r.ModelName, r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
			r.LearningRate, r.BatchSize, r.Epochs, r.Threads, started, summary).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	r.ID = id
	r.Status = StatusRunning
	r.StartedAt = started
	r.FinishedAt = nil
	r.Error = ""
	return nil
}

// FinishRun records that run id finished now (by the store's clock) with
// status, which must be terminal, and errMsg ("" for none, stored as NULL).
// Finishing a run twice is an error wrapping ErrFinished.
func (s *Postgres) FinishRun(ctx context.Context, id int64, status Status, errMsg string) error {
	if !status.Terminal() {
		return fmt.Errorf("results: finish run %d: invalid final status %q", id, status)
	}
	finished := s.now()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE runs SET status = $1, finished_at = $2, error = $3 WHERE id = $4 AND finished_at IS NULL`,
			string(status), finished, nullString(errMsg), id)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var prev string
		switch err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1`, id).Scan(&prev); {
		case errors.Is(err, pgx.ErrNoRows):
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

// SetSummary replaces the summary of run id; a nil or empty summary is
// stored as NULL.
func (s *Postgres) SetSummary(ctx context.Context, id int64, summary map[string]float64) error {
	text, err := encodeSummary(summary)
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE runs SET summary = $1 WHERE id = $2`, text, id)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("run %w", ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	return nil
}

// Run returns the run with the given id, or an error wrapping ErrNotFound.
func (s *Postgres) Run(ctx context.Context, id int64) (*Run, error) {
	runs, err := queryPgRuns(ctx, s.pool, `SELECT `+pgRunColumns+` FROM runs WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("results: run %d: %w", id, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("results: run %d: %w", id, ErrNotFound)
	}
	return runs[0], nil
}

// RunsByName returns the runs with the given name, by id (oldest first);
// none is not an error.
func (s *Postgres) RunsByName(ctx context.Context, name string) ([]*Run, error) {
	runs, err := queryPgRuns(ctx, s.pool, `SELECT `+pgRunColumns+` FROM runs WHERE name = $1 ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("results: runs named %q: %w", name, err)
	}
	return runs, nil
}

// Runs returns all runs, by id.
func (s *Postgres) Runs(ctx context.Context) ([]*Run, error) {
	runs, err := queryPgRuns(ctx, s.pool, `SELECT `+pgRunColumns+` FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("results: runs: %w", err)
	}
	return runs, nil
}

// AddEpoch records e in one transaction. If e.FinishedAt is zero it is set
// to now by the store's clock; either way it is set to the time as stored
// (UTC, whole milliseconds). Recording an epoch twice is an error wrapping
// ErrDuplicate; an epoch of a missing run is an error wrapping ErrNotFound.
func (s *Postgres) AddEpoch(ctx context.Context, e *Epoch) error {
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
	err := s.tx(ctx, func(tx pgx.Tx) error { return insertPgEpoch(ctx, tx, e, finished) })
	switch {
	case pgCode(err) == pgUniqueViolation:
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, ErrDuplicate)
	case pgCode(err) == pgForeignKeyViolation:
		return fmt.Errorf("results: add epoch %d of run %d: run %w", e.Epoch, e.RunID, ErrNotFound)
	case err != nil:
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	e.FinishedAt = finished
	return nil
}

func insertPgEpoch(ctx context.Context, tx pgx.Tx, e *Epoch, finished time.Time) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy,
			seconds, ms_per_step, examples_per_second, finished_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.RunID, e.Epoch, nullFloat(e.Loss), nullFloat(e.Accuracy), nullFloat(e.ValLoss), nullFloat(e.ValAccuracy),
		e.Seconds, e.MsPerStep, e.ExamplesPerSecond, normTime(finished))
	return err
}

// Epochs returns the epochs of run runID, by epoch number. A run without
// epochs gives none; a missing run gives an error wrapping ErrNotFound.
func (s *Postgres) Epochs(ctx context.Context, runID int64) ([]*Epoch, error) {
	epochs, err := queryPgEpochs(ctx, s.pool, `SELECT `+pgEpochColumns+` FROM epochs WHERE run_id = $1 ORDER BY epoch`, runID)
	if err != nil {
		return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
	}
	if len(epochs) == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)`, runID).Scan(&exists); err != nil {
			return nil, fmt.Errorf("results: epochs of run %d: %w", runID, err)
		}
		if !exists {
			return nil, fmt.Errorf("results: epochs of run %d: run %w", runID, ErrNotFound)
		}
		return nil, nil
	}
	return epochs, nil
}

// AllEpochs returns the epochs of every run, by run id, each run's in epoch order.
func (s *Postgres) AllEpochs(ctx context.Context) (map[int64][]*Epoch, error) {
	epochs, err := queryPgEpochs(ctx, s.pool, `SELECT `+pgEpochColumns+` FROM epochs ORDER BY run_id, epoch`)
	if err != nil {
		return nil, fmt.Errorf("results: epochs: %w", err)
	}
	out := map[int64][]*Epoch{}
	for _, e := range epochs {
		out[e.RunID] = append(out[e.RunID], e)
	}
	return out, nil
}

// Summaries returns one summary per run, best first: by BestValAccuracy,
// highest first, runs without one last, then by id. The runs and their
// epochs are read from one snapshot (a REPEATABLE READ transaction).
func (s *Postgres) Summaries(ctx context.Context) ([]*RunSummary, error) {
	var sums []*RunSummary
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		runs, err := queryPgRuns(ctx, tx, `SELECT `+pgRunColumns+` FROM runs ORDER BY id`)
		if err != nil {
			return err
		}
		sums = make([]*RunSummary, len(runs))
		byID := make(map[int64]*summarizer, len(runs))
		for i, r := range runs {
			sums[i] = &RunSummary{Run: r}
			byID[r.ID] = &summarizer{sum: sums[i]}
		}
		rows, err := tx.Query(ctx, `SELECT run_id, epoch, loss, val_loss, val_accuracy, seconds, finished_at FROM epochs ORDER BY run_id, epoch`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				runID                 int64
				epoch                 int
				loss, valLoss, valAcc *float64
				seconds               float64
				finished              time.Time
			)
			if err := rows.Scan(&runID, &epoch, &loss, &valLoss, &valAcc, &seconds, &finished); err != nil {
				return err
			}
			if sz := byID[runID]; sz != nil {
				sz.add(epoch, loss, valLoss, valAcc, seconds)
				sz.sum.LastEpochAt = pgTime(finished)
			}
		}
		if err := rows.Err(); err != nil {
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
