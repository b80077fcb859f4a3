package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Sweep is a row of the sweeps table: one config file's set of trials.
type Sweep struct {
	ID        int64
	Name      string
	File      string // absolute path of the config file
	SpecHash  string // hash of the planned trials
	CreatedAt time.Time
	Prune     string // JSON of the prune settings; "" for none
}

const sweepColumns = `id, name, file, spec_hash, created_at, prune`

func scanSweep(row interface{ Scan(...any) error }) (*Sweep, error) {
	var sw Sweep
	var created string
	var prune sql.NullString
	if err := row.Scan(&sw.ID, &sw.Name, &sw.File, &sw.SpecHash, &created, &prune); err != nil {
		return nil, err
	}
	sw.Prune = prune.String
	t, err := parseTime(created)
	if err != nil {
		return nil, fmt.Errorf("sweep %d: created_at: %w", sw.ID, err)
	}
	sw.CreatedAt = t
	return &sw, nil
}

// OpenSweep returns the latest sweep of the config file named name at file,
// creating it if there is none or if fresh is set. created tells which. The
// lookup and the creation are one transaction, so processes starting the same
// sweep at once share it.
func (s *SQLite) OpenSweep(ctx context.Context, name, file, specHash, prune string, fresh bool) (sw *Sweep, created bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if !fresh {
			row := tx.QueryRowContext(ctx, `SELECT `+sweepColumns+` FROM sweeps WHERE name = ? AND file = ? ORDER BY id DESC LIMIT 1`, name, file)
			sw, err = scanSweep(row)
			if err == nil {
				if sw.SpecHash != specHash || sw.Prune != prune {
					if _, err := tx.ExecContext(ctx, `UPDATE sweeps SET spec_hash = ?, prune = ? WHERE id = ?`, specHash, nullString(prune), sw.ID); err != nil {
						return err
					}
					sw.SpecHash, sw.Prune = specHash, prune
				}
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO sweeps (name, file, spec_hash, created_at, prune) VALUES (?, ?, ?, ?, ?)`,
			name, file, specHash, now.Format(timeLayout), nullString(prune))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		sw, created = &Sweep{ID: id, Name: name, File: file, SpecHash: specHash, CreatedAt: now, Prune: prune}, true
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("results: open sweep %q: %w", name, err)
	}
	return sw, created, nil
}

// Sweep returns the sweep with the given id, or an error wrapping ErrNotFound.
func (s *SQLite) Sweep(ctx context.Context, id int64) (*Sweep, error) {
	sw, err := scanSweep(s.db.QueryRowContext(ctx, `SELECT `+sweepColumns+` FROM sweeps WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("results: sweep %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("results: sweep %d: %w", id, err)
	}
	return sw, nil
}

// Sweeps returns every sweep, by id.
func (s *SQLite) Sweeps(ctx context.Context) ([]*Sweep, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sweepColumns+` FROM sweeps ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("results: sweeps: %w", err)
	}
	defer rows.Close()
	var out []*Sweep
	for rows.Next() {
		sw, err := scanSweep(rows)
		if err != nil {
			return nil, fmt.Errorf("results: sweeps: %w", err)
		}
		out = append(out, sw)
	}
	return out, rows.Err()
}

// PlanTrials records the trials of sweep sweepID: each run whose config hash
// the sweep does not hold yet is inserted as pending, numbered after the
// sweep's last trial; the others are left as they are. It returns every
// run of the plan, in the plan's order, as stored, and which were added.
func (s *SQLite) PlanTrials(ctx context.Context, sweepID int64, plan []*Run) (all, added []*Run, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		all, added = nil, nil
		var next int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(trial), 0) FROM runs WHERE sweep_id = ?`, sweepID).Scan(&next); err != nil {
			return err
		}
		now := s.now().Format(timeLayout)
		for _, r := range plan {
			if err := validateRun(r); err != nil {
				return fmt.Errorf("trial %q: %w", r.Name, err)
			}
			params, err := encodeParams(r.Params)
			if err != nil {
				return err
			}
			next++
			res, err := tx.ExecContext(ctx, `
				INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
					learning_rate, batch_size, epochs, threads, started_at, sweep_id, trial, variant, params, attempts)
				VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
				ON CONFLICT (sweep_id, config_hash) DO NOTHING`,
				r.Name, r.ModelName, r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
				r.LearningRate, r.BatchSize, r.Epochs, r.Threads, now, sweepID, next, nullString(r.Variant), params)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				next--
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE sweep_id = ? AND config_hash = ?`, sweepID, r.ConfigHash)
			if err != nil {
				return err
			}
			stored, err := collectRuns(rows)
			if err != nil {
				return err
			}
			if len(stored) != 1 {
				return fmt.Errorf("trial with config hash %s: %d rows", r.ConfigHash, len(stored))
			}
			all = append(all, stored[0])
			if n == 1 {
				added = append(added, stored[0])
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("results: plan trials of sweep %d: %w", sweepID, err)
	}
	return all, added, nil
}

func collectRuns(rows *sql.Rows) ([]*Run, error) {
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func encodeParams(p map[string]any) (any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return string(b), nil
}

// Trials returns the runs of sweep sweepID, by trial number.
func (s *SQLite) Trials(ctx context.Context, sweepID int64) ([]*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT `+runColumns+` FROM runs WHERE sweep_id = ? ORDER BY trial`, sweepID)
	if err != nil {
		return nil, fmt.Errorf("results: trials of sweep %d: %w", sweepID, err)
	}
	return runs, nil
}

// Claimable reports whether a trial in status st may be started by a worker:
// pending and interrupted trials, and running ones whose worker is gone
// (which the caller's lock tells).
func Claimable(st Status) bool {
	return st == StatusPending || st == StatusInterrupted || st == StatusRunning
}

// ClaimTrial starts one trial of the given ids (in order of preference): in
// one IMMEDIATE transaction it finds the first claimable one (pending,
// interrupted, or running with a dead worker: c.Lock took its lock, or its
// lease ran out), marks it running under c.Owner with a lease of c.Lease,
// counts the attempt and clears a previous finish. It returns nil when no
// trial can be claimed.
func (s *SQLite) ClaimTrial(ctx context.Context, ids []int64, c Claim) (*Run, error) {
	var claimed *Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		claimed = nil
		now := s.now()
		for _, id := range ids {
			rows, err := tx.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id)
			if err != nil {
				return err
			}
			rs, err := collectRuns(rows)
			if err != nil {
				return err
			}
			if len(rs) != 1 || !Claimable(rs[0].Status) {
				continue
			}
			r := rs[0]
			expired := r.LeaseExpiresAt != nil && r.LeaseExpiresAt.Before(now)
			if r.Status == StatusRunning && c.Lock == nil && !expired {
				continue // a live worker's, as far as leases tell
			}
			if c.Lock != nil && !c.Lock(r) {
				continue
			}
			started := r.StartedAt
			if r.Attempts == 0 {
				started = now
			}
			var lease any
			if c.Lease > 0 {
				t := now.Add(c.Lease)
				lease = t.Format(timeLayout)
				r.LeaseExpiresAt = &t
			} else {
				r.LeaseExpiresAt = nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'running', attempts = attempts + 1,
				started_at = ?, finished_at = NULL, error = NULL, stop_reason = NULL, owner = ?, lease_expires_at = ?
				WHERE id = ?`, started.Format(timeLayout), nullString(c.Owner), lease, r.ID); err != nil {
				return err
			}
			r.Status, r.Attempts, r.StartedAt, r.FinishedAt, r.Error, r.StopReason, r.Owner =
				StatusRunning, r.Attempts+1, started, nil, "", "", c.Owner
			claimed = r
			return nil
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: claim a trial: %w", err)
	}
	return claimed, nil
}

// checkOwner returns ErrLeaseLost unless run id is owned by owner ("" skips
// the check) with its lease, if any, still running.
func (s *SQLite) checkOwner(ctx context.Context, tx *sql.Tx, id int64, owner string) error {
	var cur, lease sql.NullString
	switch err := tx.QueryRowContext(ctx, `SELECT owner, lease_expires_at FROM runs WHERE id = ?`, id).Scan(&cur, &lease); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("run %w", ErrNotFound)
	case err != nil:
		return err
	}
	if owner == "" {
		return nil
	}
	if cur.String != owner {
		return ErrLeaseLost
	}
	if lease.Valid {
		if t, err := parseTime(lease.String); err == nil && t.Before(s.now()) {
			return ErrLeaseLost
		}
	}
	return nil
}

// Heartbeat renews owner's lease on run id for another lease, or returns
// ErrLeaseLost if the trial is no longer owner's.
func (s *SQLite) Heartbeat(ctx context.Context, id int64, owner string, lease time.Duration) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkOwner(ctx, tx, id, owner); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE runs SET lease_expires_at = ? WHERE id = ?`, s.now().Add(lease).Format(timeLayout), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("results: heartbeat of run %d: %w", id, err)
	}
	return nil
}

// AddTrialEpoch is AddEpoch for the worker owner of the trial, in one
// transaction with the ownership check: a worker that lost the trial gets
// ErrLeaseLost and writes nothing.
func (s *SQLite) AddTrialEpoch(ctx context.Context, owner string, e *Epoch) error {
	if err := validateEpoch(e); err != nil {
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	finished := e.FinishedAt
	if finished.IsZero() {
		finished = s.now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkOwner(ctx, tx, e.RunID, owner); err != nil {
			return err
		}
		return insertEpoch(ctx, tx, e, finished)
	})
	if err != nil {
		if isConstraint(err, sqlite3.ErrConstraintPrimaryKey) {
			err = ErrDuplicate
		}
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	e.FinishedAt = normTime(finished)
	return nil
}

// FinishTrial records how a trial's attempt ended, checked against owner
// ("" for none). Unlike FinishRun it does not refuse a run that finished
// before: the latest attempt's outcome wins. The owner and lease are cleared.
func (s *SQLite) FinishTrial(ctx context.Context, id int64, owner string, o Outcome) error {
	if !o.Status.Terminal() {
		return fmt.Errorf("results: finish trial %d: invalid final status %q", id, o.Status)
	}
	summary, err := encodeSummary(o.Summary)
	if err != nil {
		return fmt.Errorf("results: finish trial %d: %w", id, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkOwner(ctx, tx, id, owner); err != nil {
			return err
		}
		if o.Summary != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET summary = ? WHERE id = ?`, summary, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, error = ?, stop_reason = ?,
			owner = NULL, lease_expires_at = NULL WHERE id = ?`,
			string(o.Status), s.now().Format(timeLayout), nullString(o.Error), nullString(o.StopReason), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("results: finish trial %d: %w", id, err)
	}
	return nil
}

// MetricAt returns, for each run of sweep sweepID that recorded epoch, its
// value of metric (loss, accuracy, val_loss or val_accuracy) there; runs
// whose value is NULL are left out.
func (s *SQLite) MetricAt(ctx context.Context, sweepID int64, epoch int, metric string) (map[int64]float64, error) {
	switch metric {
	case "loss", "accuracy", "val_loss", "val_accuracy":
	default:
		return nil, fmt.Errorf("results: unknown metric %q", metric)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.run_id, e.`+metric+` FROM epochs e JOIN runs r ON r.id = e.run_id
		WHERE r.sweep_id = ? AND e.epoch = ? AND e.`+metric+` IS NOT NULL`, sweepID, epoch)
	if err != nil {
		return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}
