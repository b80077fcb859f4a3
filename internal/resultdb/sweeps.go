package resultdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/exp-runner/exp/internal/record"
)

const sweepColumns = `id, name, file, spec_hash, created_at, prune`

// querySweeps returns the sweeps a query of sweepColumns selects.
func (s *DB) querySweeps(ctx context.Context, q querier, query string, args ...any) ([]*record.Sweep, error) {
	return queryAll(ctx, s, q, scanSweep, query, args...)
}

func scanSweep(row *sql.Rows) (*record.Sweep, error) {
	var sw record.Sweep
	var created dbTime
	var prune sql.NullString
	if err := row.Scan(&sw.ID, &sw.Name, &sw.File, &sw.SpecHash, &created, &prune); err != nil {
		return nil, err
	}
	sw.CreatedAt, sw.Prune = created.Time, prune.String
	return &sw, nil
}

// OpenSweep returns the latest sweep of the config file named name at file,
// creating it if there is none or if fresh is set. created tells which. The
// lookup and the creation are one transaction (on PostgreSQL holding an
// advisory lock on (name, file)), so workers starting one sweep at once
// share it.
func (s *DB) OpenSweep(ctx context.Context, name, file, specHash, prune string, fresh bool) (sw *record.Sweep, created bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		sw, created = nil, false
		if s.d.lockSweep != "" {
			if _, err := s.exec(ctx, tx, s.d.lockSweep, name, file); err != nil {
				return err
			}
		}
		if !fresh {
			found, err := s.querySweeps(ctx, tx, `SELECT `+sweepColumns+` FROM sweeps WHERE name = ? AND file = ? ORDER BY id DESC LIMIT 1`, name, file)
			if err != nil {
				return err
			}
			if len(found) == 1 {
				sw = found[0]
				return s.updateSweep(ctx, tx, sw, specHash, prune)
			}
		}
		now := s.now()
		var id int64
		if err := s.queryRow(ctx, tx, `INSERT INTO sweeps (name, file, spec_hash, created_at, prune) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			name, file, specHash, s.d.timeArg(now), nullString(prune)).Scan(&id); err != nil {
			return err
		}
		sw, created = &record.Sweep{ID: id, Name: name, File: file, SpecHash: specHash, CreatedAt: now, Prune: prune}, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("results: open sweep %q: %w", name, err)
	}
	return sw, created, nil
}

// updateSweep stores specHash and prune as sw's where they changed.
func (s *DB) updateSweep(ctx context.Context, tx *sql.Tx, sw *record.Sweep, specHash, prune string) error {
	if sw.SpecHash == specHash && sw.Prune == prune {
		return nil
	}
	if _, err := s.exec(ctx, tx, `UPDATE sweeps SET spec_hash = ?, prune = ? WHERE id = ?`, specHash, nullString(prune), sw.ID); err != nil {
		return err
	}
	sw.SpecHash, sw.Prune = specHash, prune
	return nil
}

// Sweep returns the sweep with the given id, or an error wrapping ErrNotFound.
func (s *DB) Sweep(ctx context.Context, id int64) (*record.Sweep, error) {
	found, err := s.querySweeps(ctx, s.db, `SELECT `+sweepColumns+` FROM sweeps WHERE id = ?`, id)
	if err == nil && len(found) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("results: sweep %d: %w", id, err)
	}
	return found[0], nil
}

// Sweeps returns every sweep, by id.
func (s *DB) Sweeps(ctx context.Context) ([]*record.Sweep, error) {
	sweeps, err := s.querySweeps(ctx, s.db, `SELECT `+sweepColumns+` FROM sweeps ORDER BY id`)
	return sweeps, wrapErr(err, "results: sweeps")
}

// PlanTrials records the trials of sweep sweepID: each run whose config hash
// the sweep does not hold yet is inserted as pending, numbered after the
// sweep's last trial; the others are left as they are. It returns every
// run of the plan, in the plan's order, as stored, and which were added.
// Workers planning one sweep at once queue on the sweep (its row on
// PostgreSQL, the database on SQLite).
func (s *DB) PlanTrials(ctx context.Context, sweepID int64, plan []*record.Run) (all, added []*record.Run, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		all, added = nil, nil
		if _, err := s.exec(ctx, tx, `SELECT 1 FROM sweeps WHERE id = ?`+s.d.forUpdate, sweepID); err != nil {
			return err
		}
		var last int64
		if err := s.queryRow(ctx, tx, `SELECT COALESCE(MAX(trial), 0) FROM runs WHERE sweep_id = ?`, sweepID).Scan(&last); err != nil {
			return err
		}
		now := s.nowArg()
		for _, r := range plan {
			stored, isNew, err := s.planTrial(ctx, tx, sweepID, last+1, now, r)
			if err != nil {
				return err
			}
			all = append(all, stored)
			if isNew {
				added = append(added, stored)
				last++
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("results: plan trials of sweep %d: %w", sweepID, err)
	}
	return all, added, nil
}

// planTrial inserts r as trial number trial of sweep sweepID, pending since
// now, unless the sweep holds its config hash already, and returns the
// sweep's run of that hash as stored and whether it is new.
func (s *DB) planTrial(ctx context.Context, tx *sql.Tx, sweepID, trial int64, now any, r *record.Run) (*record.Run, bool, error) {
	if err := validateRun(r); err != nil {
		return nil, false, fmt.Errorf("trial %q: %w", r.Name, err)
	}
	params, err := encodeParams(r.Params)
	if err != nil {
		return nil, false, err
	}
	res, err := s.exec(ctx, tx, `
		INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
			learning_rate, batch_size, epochs, threads, started_at, sweep_id, trial, variant, params, attempts,
			preprocessing, data_hash)
		VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
		ON CONFLICT (sweep_id, config_hash) DO NOTHING`,
		r.Name, r.ModelName, r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
		r.LearningRate, r.BatchSize, r.Epochs, r.Threads, now, sweepID, trial, nullString(r.Variant), params,
		nullString(r.Preprocessing), nullString(r.DataHash))
	if err != nil {
		return nil, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	stored, err := s.queryRuns(ctx, tx, `SELECT `+runColumns+` FROM runs WHERE sweep_id = ? AND config_hash = ?`, sweepID, r.ConfigHash)
	if err != nil {
		return nil, false, err
	}
	if len(stored) != 1 {
		return nil, false, fmt.Errorf("trial with config hash %s: %d rows", r.ConfigHash, len(stored))
	}
	return stored[0], n == 1, nil
}

// Trials returns the runs of sweep sweepID, by trial number.
func (s *DB) Trials(ctx context.Context, sweepID int64) ([]*record.Run, error) {
	runs, err := s.queryRuns(ctx, s.db, `SELECT `+runColumns+` FROM runs WHERE sweep_id = ? ORDER BY trial`, sweepID)
	return runs, wrapErr(err, "results: trials of sweep %d", sweepID)
}
