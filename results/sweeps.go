package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
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
func (s *Store) OpenSweep(ctx context.Context, name, file, specHash, prune string, fresh bool) (sw *Sweep, created bool, err error) {
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
func (s *Store) Sweep(ctx context.Context, id int64) (*Sweep, error) {
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
func (s *Store) Sweeps(ctx context.Context) ([]*Sweep, error) {
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
func (s *Store) PlanTrials(ctx context.Context, sweepID int64, plan []*Run) (all, added []*Run, err error) {
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
func (s *Store) Trials(ctx context.Context, sweepID int64) ([]*Run, error) {
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
// one IMMEDIATE transaction it finds the first claimable one for which lock
// succeeds (lock is how the caller takes the trial's liveness lock; for a
// trial marked running it fails while another worker holds it), marks it
// running, counts the attempt and clears a previous finish. It returns nil
// when no trial can be claimed.
func (s *Store) ClaimTrial(ctx context.Context, ids []int64, lock func(r *Run) bool) (*Run, error) {
	var claimed *Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		claimed = nil
		for _, id := range ids {
			rows, err := tx.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id)
			if err != nil {
				return err
			}
			rs, err := collectRuns(rows)
			if err != nil {
				return err
			}
			if len(rs) != 1 || !Claimable(rs[0].Status) || !lock(rs[0]) {
				continue
			}
			r := rs[0]
			now := s.now()
			started := r.StartedAt
			if r.Attempts == 0 {
				started = now
			}
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'running', attempts = attempts + 1,
				started_at = ?, finished_at = NULL, error = NULL, stop_reason = NULL WHERE id = ?`,
				started.Format(timeLayout), r.ID); err != nil {
				return err
			}
			r.Status, r.Attempts, r.StartedAt, r.FinishedAt, r.Error, r.StopReason = StatusRunning, r.Attempts+1, started, nil, "", ""
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

// FinishTrial records how a trial's attempt ended: status (terminal), an
// error message and a stop reason ("" for none). Unlike FinishRun it does not
// refuse a run that finished before: the latest attempt's outcome wins.
func (s *Store) FinishTrial(ctx context.Context, id int64, status Status, errMsg, stopReason string) error {
	if !status.Terminal() {
		return fmt.Errorf("results: finish trial %d: invalid final status %q", id, status)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, error = ?, stop_reason = ? WHERE id = ?`,
			string(status), s.now().Format(timeLayout), nullString(errMsg), nullString(stopReason), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("run %w", ErrNotFound)
		}
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
func (s *Store) MetricAt(ctx context.Context, sweepID int64, epoch int, metric string) (map[int64]float64, error) {
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
