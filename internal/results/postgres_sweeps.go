package results

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgSweepColumns are the sweeps columns read by scanPgSweep, in its order.
const pgSweepColumns = `id, name, file, spec_hash, created_at, prune`

func scanPgSweep(row pgx.CollectableRow) (*Sweep, error) {
	var sw Sweep
	var created time.Time
	var prune *string
	if err := row.Scan(&sw.ID, &sw.Name, &sw.File, &sw.SpecHash, &created, &prune); err != nil {
		return nil, err
	}
	sw.CreatedAt, sw.Prune = pgTime(created), str(prune)
	return &sw, nil
}

// OpenSweep returns the latest sweep of the config file named name at file,
// creating it if there is none or if fresh is set. created tells which. The
// lookup and the creation are one transaction holding an advisory lock on
// (name, file), so workers starting the same sweep at once share it.
func (s *Postgres) OpenSweep(ctx context.Context, name, file, specHash, prune string, fresh bool) (sw *Sweep, created bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		sw, created = nil, false
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int4, hashtext($2::text || E'\n' || $3::text))`,
			pgSweepLock, name, file); err != nil {
			return err
		}
		if !fresh {
			rows, err := tx.Query(ctx, `SELECT `+pgSweepColumns+` FROM sweeps WHERE name = $1 AND file = $2 ORDER BY id DESC LIMIT 1`, name, file)
			if err != nil {
				return err
			}
			found, err := pgx.CollectRows(rows, scanPgSweep)
			if err != nil {
				return err
			}
			if len(found) == 1 {
				sw = found[0]
				if sw.SpecHash != specHash || sw.Prune != prune {
					if _, err := tx.Exec(ctx, `UPDATE sweeps SET spec_hash = $1, prune = $2 WHERE id = $3`, specHash, nullString(prune), sw.ID); err != nil {
						return err
					}
					sw.SpecHash, sw.Prune = specHash, prune
				}
				return nil
			}
		}
		now := s.now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO sweeps (name, file, spec_hash, created_at, prune) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			name, file, specHash, now, nullString(prune)).Scan(&id); err != nil {
			return err
		}
		sw, created = &Sweep{ID: id, Name: name, File: file, SpecHash: specHash, CreatedAt: now, Prune: prune}, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("results: open sweep %q: %w", name, err)
	}
	return sw, created, nil
}

// Sweep returns the sweep with the given id, or an error wrapping ErrNotFound.
func (s *Postgres) Sweep(ctx context.Context, id int64) (*Sweep, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+pgSweepColumns+` FROM sweeps WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("results: sweep %d: %w", id, err)
	}
	found, err := pgx.CollectRows(rows, scanPgSweep)
	if err != nil {
		return nil, fmt.Errorf("results: sweep %d: %w", id, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("results: sweep %d: %w", id, ErrNotFound)
	}
	return found[0], nil
}

// Sweeps returns every sweep, by id.
func (s *Postgres) Sweeps(ctx context.Context) ([]*Sweep, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+pgSweepColumns+` FROM sweeps ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("results: sweeps: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanPgSweep)
	if err != nil {
		return nil, fmt.Errorf("results: sweeps: %w", err)
	}
	return out, nil
}

// PlanTrials records the trials of sweep sweepID: each run whose config hash
// the sweep does not hold yet is inserted as pending, numbered after the
// sweep's last trial; the others are left as they are. It returns every
// run of the plan, in the plan's order, as stored, and which were added.
// Workers planning one sweep at once queue on the sweep's row.
func (s *Postgres) PlanTrials(ctx context.Context, sweepID int64, plan []*Run) (all, added []*Run, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		all, added = nil, nil
		if _, err := tx.Exec(ctx, `SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE`, sweepID); err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(trial), 0) FROM runs WHERE sweep_id = $1`, sweepID).Scan(&next); err != nil {
			return err
		}
		now := s.now()
		for _, r := range plan {
			if err := validateRun(r); err != nil {
				return fmt.Errorf("trial %q: %w", r.Name, err)
			}
			params, err := encodeParams(r.Params)
			if err != nil {
				return err
			}
			next++
			tag, err := tx.Exec(ctx, `
				INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
					learning_rate, batch_size, epochs, threads, started_at, sweep_id, trial, variant, params, attempts)
				VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0)
				ON CONFLICT (sweep_id, config_hash) DO NOTHING`,
				r.Name, r.ModelName, r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
				r.LearningRate, r.BatchSize, r.Epochs, r.Threads, now, sweepID, next, nullString(r.Variant), params)
			if err != nil {
				return err
			}
			n := tag.RowsAffected()
			if n == 0 {
				next--
			}
			stored, err := queryPgRuns(ctx, tx, `SELECT `+pgRunColumns+` FROM runs WHERE sweep_id = $1 AND config_hash = $2`, sweepID, r.ConfigHash)
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

// Trials returns the runs of sweep sweepID, by trial number.
func (s *Postgres) Trials(ctx context.Context, sweepID int64) ([]*Run, error) {
	runs, err := queryPgRuns(ctx, s.pool, `SELECT `+pgRunColumns+` FROM runs WHERE sweep_id = $1 ORDER BY trial`, sweepID)
	if err != nil {
		return nil, fmt.Errorf("results: trials of sweep %d: %w", sweepID, err)
	}
	return runs, nil
}

// pgClaimSet is the SET clause of a claim: $1 the run's id (or the subquery
// choosing it), $2 started_at for a first attempt (the store's clock), $3 the
// owner token, $4 the lease in microseconds (0: none), from the server's clock.
var pgClaimSet = `SET status = 'running', attempts = attempts + 1,
	started_at = CASE WHEN attempts = 0 THEN $2::timestamptz ELSE started_at END,
	finished_at = NULL, error = NULL, stop_reason = NULL, owner = $3,
	lease_expires_at = CASE WHEN $4::bigint > 0 THEN ` + pgLease(4) + ` END`

// ClaimTrial starts one trial of the given ids (in order of preference): the
// first claimable one (pending, interrupted, or running with a dead worker:
// its lease ran out by the server's clock, or, with c.Lock, c.Lock took its
// lock) becomes running under c.Owner with a lease of c.Lease from the
// server's clock, its attempt counted and a previous finish cleared. It
// returns nil when no trial can be claimed. Candidates another transaction
// has locked (being claimed or written) are skipped, not waited for.
func (s *Postgres) ClaimTrial(ctx context.Context, ids []int64, c Claim) (*Run, error) {
	started := s.now()
	lease := max(c.Lease, 0).Microseconds()
	var claimed *Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		claimed = nil
		if c.Lock == nil {
			// One statement: the subquery locks the first claimable
			// candidate, skipping rows other claimers hold.
			rs, err := queryPgRuns(ctx, tx, `UPDATE runs `+pgClaimSet+`
				WHERE id = (SELECT id FROM runs
					WHERE id = ANY($1) AND (status IN ('pending', 'interrupted')
						OR (status = 'running' AND lease_expires_at < now()))
					ORDER BY array_position($1, id) LIMIT 1
					FOR UPDATE SKIP LOCKED)
				RETURNING `+pgRunColumns, ids, started, nullString(c.Owner), lease)
			if err != nil {
				return err
			}
			if len(rs) == 1 {
				claimed = rs[0]
			}
			return nil
		}
		// With a liveness lock (one machine), ask it about each candidate
		// in turn, as SQLite does.
		for _, id := range ids {
			rs, err := queryPgRuns(ctx, tx, `SELECT `+pgRunColumns+` FROM runs
				WHERE id = $1 AND status IN ('pending', 'interrupted', 'running')
				FOR UPDATE SKIP LOCKED`, id)
			if err != nil {
				return err
			}
			if len(rs) != 1 || !Claimable(rs[0].Status) || !c.Lock(rs[0]) {
				continue
			}
			rs, err = queryPgRuns(ctx, tx, `UPDATE runs `+pgClaimSet+` WHERE id = $1 RETURNING `+pgRunColumns,
				id, started, nullString(c.Owner), lease)
			if err != nil {
				return err
			}
			if len(rs) == 1 {
				claimed = rs[0]
			}
			return nil
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: claim a trial: %w", err)
	}
	return claimed, nil
}

// lockOwned locks run id's row for the rest of tx and returns ErrLeaseLost
// unless it is owned by owner ("" skips the check) with its lease, if any,
// still running by the server's clock.
func (s *Postgres) lockOwned(ctx context.Context, tx pgx.Tx, id int64, owner string) error {
	var cur *string
	var live bool
	err := tx.QueryRow(ctx, `SELECT owner, lease_expires_at IS NULL OR lease_expires_at >= now()
		FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&cur, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("run %w", ErrNotFound)
	case err != nil:
		return err
	case owner == "":
		return nil
	case str(cur) != owner || !live:
		return ErrLeaseLost
	}
	return nil
}

// Heartbeat renews owner's lease on run id for another lease from the
// server's clock, or returns ErrLeaseLost if the trial is no longer owner's.
func (s *Postgres) Heartbeat(ctx context.Context, id int64, owner string, lease time.Duration) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwned(ctx, tx, id, owner); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE runs SET lease_expires_at = `+pgLease(2)+` WHERE id = $1`, id, lease.Microseconds())
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
func (s *Postgres) AddTrialEpoch(ctx context.Context, owner string, e *Epoch) error {
	if err := validateEpoch(e); err != nil {
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	finished := e.FinishedAt
	if finished.IsZero() {
		finished = s.now()
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwned(ctx, tx, e.RunID, owner); err != nil {
			return err
		}
		return insertPgEpoch(ctx, tx, e, finished)
	})
	if err != nil {
		if pgCode(err) == pgUniqueViolation {
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
func (s *Postgres) FinishTrial(ctx context.Context, id int64, owner string, o Outcome) error {
	if !o.Status.Terminal() {
		return fmt.Errorf("results: finish trial %d: invalid final status %q", id, o.Status)
	}
	summary, err := encodeSummary(o.Summary)
	if err != nil {
		return fmt.Errorf("results: finish trial %d: %w", id, err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := s.lockOwned(ctx, tx, id, owner); err != nil {
			return err
		}
		if o.Summary != nil {
			if _, err := tx.Exec(ctx, `UPDATE runs SET summary = $1 WHERE id = $2`, summary, id); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE runs SET status = $1, finished_at = $2, error = $3, stop_reason = $4,
			owner = NULL, lease_expires_at = NULL WHERE id = $5`,
			string(o.Status), s.now(), nullString(o.Error), nullString(o.StopReason), id)
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
func (s *Postgres) MetricAt(ctx context.Context, sweepID int64, epoch int, metric string) (map[int64]float64, error) {
	switch metric {
	case "loss", "accuracy", "val_loss", "val_accuracy":
	default:
		return nil, fmt.Errorf("results: unknown metric %q", metric)
	}
	rows, err := s.pool.Query(ctx, `SELECT e.run_id, e.`+metric+` FROM epochs e JOIN runs r ON r.id = e.run_id
		WHERE r.sweep_id = $1 AND e.epoch = $2 AND e.`+metric+` IS NOT NULL`, sweepID, epoch)
	if err != nil {
		return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
	}
	return out, nil
}
