package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// ClaimTrial starts one trial of the given ids (in order of preference): in
// one transaction it finds the first claimable one (pending, interrupted, or
// running with a dead worker: c.Lock took its lock, or, without c.Lock, its
// lease ran out by the lease clock), marks it running under c.Owner with a
// lease of c.Lease, counts the attempt and clears a previous finish. It
// returns nil when no trial can be claimed. On PostgreSQL, candidates another
// transaction has locked (being claimed or written) are skipped, not waited
// for; on SQLite the transaction holds the whole database.
func (s *DB) ClaimTrial(ctx context.Context, ids []int64, c Claim) (*record.Run, error) {
	var claimed *record.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		claimed = nil
		now := s.now()
		cands, err := s.candidates(ctx, tx, now, ids, c.Lock)
		if err != nil {
			return err
		}
		for _, id := range cands {
			r, err := s.claimable(ctx, tx, now, id, c.Lock)
			if err != nil {
				return err
			}
			if r != nil {
				claimed, err = s.claim(ctx, tx, now, r, c)
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: claim a trial: %w", err)
	}
	return claimed, nil
}

// Owner is the claim on a run as the worker protocol records it: the
// owner and lease_expires_at columns of its row.
type Owner struct {
	// Token is the claiming worker's token ("" for none).
	Token string
	// LeaseExpiresAt is when the claim's lease runs out (nil without one).
	LeaseExpiresAt *time.Time
}

// Owned returns run id and its claim, read from one row, or an error
// wrapping ErrNotFound.
func (s *DB) Owned(ctx context.Context, id int64) (*record.Run, Owner, error) {
	var (
		o     Owner
		token sql.NullString
		lease dbTime
	)
	scan := func(rows *sql.Rows) (*record.Run, error) { return scanRunAnd(rows, &token, &lease) }
	runs, err := queryAll(ctx, s, s.db, scan, `SELECT `+runColumns+`, owner, lease_expires_at FROM runs WHERE id = ?`, id)
	switch {
	case err != nil:
		return nil, o, fmt.Errorf("results: run %d: %w", id, err)
	case len(runs) == 0:
		return nil, o, fmt.Errorf("results: run %d: %w", id, ErrNotFound)
	}
	o.Token, o.LeaseExpiresAt = token.String, lease.ptr()
	return runs[0], o, nil
}

// claimCond returns the SQL condition, and its arguments, of a trial a
// worker may claim at now (a reading of the store's clock): pending or
// interrupted, or running and either checked by lock or (without lock)
// with a lease that ran out by the lease clock.
func (s *DB) claimCond(now time.Time, lock func(*record.Run) bool) (string, []any) {
	if lock != nil {
		return `status IN ('pending', 'interrupted', 'running')`, nil
	}
	leaseNow, args := s.leaseNow(now)
	return `(status IN ('pending', 'interrupted') OR (status = 'running' AND lease_expires_at < ` + leaseNow + `))`, args
}

// maxIDs bounds the ids of one IN list (SQLite allows 32,766 arguments).
const maxIDs = 1000

// candidates returns, in their order, those of ids that meet claimCond
// now, read without locks: one query instead of one per trial. claimable
// checks each again under its row lock.
func (s *DB) candidates(ctx context.Context, tx *sql.Tx, now time.Time, ids []int64, lock func(*record.Run) bool) ([]int64, error) {
	cond, condArgs := s.claimCond(now, lock)
	found := map[int64]bool{}
	for chunk := range slices.Chunk(ids, maxIDs) {
		args := make([]any, 0, len(chunk)+len(condArgs))
		for _, id := range chunk {
			args = append(args, id)
		}
		marks := strings.Repeat(", ?", len(chunk))[2:]
		got, err := queryAll(ctx, s, tx, func(rows *sql.Rows) (id int64, err error) {
			err = rows.Scan(&id)
			return id, err
		}, `SELECT id FROM runs WHERE id IN (`+marks+`) AND `+cond, append(args, condArgs...)...)
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			found[id] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return !found[id] }), nil
}

// claimable locks and returns run id if it still meets claimCond now and,
// with lock, lock took its liveness lock; it returns nil otherwise. On
// PostgreSQL a row another transaction holds is skipped, and rows it does
// not return are not locked, so their owners' writes never wait on a claim.
func (s *DB) claimable(ctx context.Context, tx *sql.Tx, now time.Time, id int64, lock func(*record.Run) bool) (*record.Run, error) {
	cond, args := s.claimCond(now, lock)
	rs, err := s.queryRuns(ctx, tx, `SELECT `+runColumns+` FROM runs WHERE id = ? AND `+cond+s.d.skipLocked, append([]any{id}, args...)...)
	if err != nil || len(rs) != 1 {
		return nil, err
	}
	if lock != nil && !lock(rs[0]) {
		return nil, nil
	}
	return rs[0], nil
}

// claim marks r running under c.Owner with a lease of c.Lease and returns
// it as stored. A first attempt starts now; a later one keeps its start.
func (s *DB) claim(ctx context.Context, tx *sql.Tx, now time.Time, r *record.Run, c Claim) (*record.Run, error) {
	started := r.StartedAt
	if r.Attempts == 0 {
		started = now
	}
	lease, args := "NULL", []any(nil) // no lease
	if c.Lease > 0 {
		lease, args = s.leaseUntil(now, c.Lease)
	}
	args = append([]any{s.d.timeArg(started), nullString(c.Owner)}, args...)
	rs, err := s.queryRuns(ctx, tx, `UPDATE runs SET status = 'running', attempts = attempts + 1,
		started_at = ?, finished_at = NULL, error = NULL, stop_reason = NULL, owner = ?, lease_expires_at = `+lease+`
		WHERE id = ? RETURNING `+runColumns, append(args, r.ID)...)
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("run %d: %d rows claimed", r.ID, len(rs))
	}
	return rs[0], nil
}

// owned runs fn in one write transaction after checking, in it, that run
// id is owner's (see checkOwner).
func (s *DB) owned(ctx context.Context, id int64, owner string, fn func(tx *sql.Tx) error) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkOwner(ctx, tx, id, owner); err != nil {
			return err
		}
		return fn(tx)
	})
}

// checkOwner locks run id's row for the rest of tx (on PostgreSQL) and
// returns ErrLeaseLost unless it is owned by owner ("" skips the check)
// with its lease, if any, still running by the lease clock. The store's
// clock is read only for a lease it judges.
func (s *DB) checkOwner(ctx context.Context, tx *sql.Tx, id int64, owner string) error {
	serverNow := "NULL"
	if s.d.serverClock {
		serverNow = "now()"
	}
	var cur sql.NullString
	var lease, server dbTime
	err := s.queryRow(ctx, tx, `SELECT owner, lease_expires_at, `+serverNow+` FROM runs WHERE id = ?`+s.d.forUpdate,
		id).Scan(&cur, &lease, &server)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("run %w", ErrNotFound)
	case err != nil:
		return err
	case owner == "":
		return nil
	case cur.String != owner:
		return ErrLeaseLost
	case !lease.Valid:
		return nil
	case server.Valid && lease.Time.Before(server.Time), !server.Valid && lease.Time.Before(s.now()):
		return ErrLeaseLost
	}
	return nil
}

// Heartbeat renews owner's lease on run id for another lease from the lease
// clock, or returns ErrLeaseLost if the trial is no longer owner's.
func (s *DB) Heartbeat(ctx context.Context, id int64, owner string, lease time.Duration) error {
	err := s.owned(ctx, id, owner, func(tx *sql.Tx) error {
		until, args := s.leaseUntil(s.now(), lease)
		_, err := s.exec(ctx, tx, `UPDATE runs SET lease_expires_at = `+until+` WHERE id = ?`, append(args, id)...)
		return err
	})
	return wrapErr(err, "results: heartbeat of run %d", id)
}

// AddTrialEpoch records epoch e of a trial for the worker owner ("" for
// none), in one transaction with the ownership check: a worker that lost
// the trial gets ErrLeaseLost and writes nothing. If e.FinishedAt is zero
// it is set to now by the store's clock; either way it is set to the time
// as stored (UTC, whole milliseconds). Recording an epoch twice is an error
// wrapping ErrDuplicate; an epoch of a missing run one wrapping ErrNotFound.
func (s *DB) AddTrialEpoch(ctx context.Context, owner string, e *record.Epoch) error {
	return s.addTrialEpoch(ctx, owner, e, nil)
}

// addTrialEpoch is AddTrialEpoch that also runs also, when not nil, in the
// epoch's transaction.
func (s *DB) addTrialEpoch(ctx context.Context, owner string, e *record.Epoch, also func(tx *sql.Tx) error) error {
	if e == nil {
		return errors.New("results: add epoch: nil epoch")
	}
	if err := validateEpoch(e); err != nil {
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	finished := normTime(e.FinishedAt)
	if e.FinishedAt.IsZero() {
		finished = s.now()
	}
	err := s.owned(ctx, e.RunID, owner, func(tx *sql.Tx) error {
		if err := s.insertEpoch(ctx, tx, e, finished); err != nil || also == nil {
			return err
		}
		return also(tx)
	})
	if err != nil {
		if s.d.isUnique(err) {
			err = ErrDuplicate
		}
		return fmt.Errorf("results: add epoch %d of run %d: %w", e.Epoch, e.RunID, err)
	}
	e.FinishedAt = finished
	return nil
}

// FinishTrial records how a trial's attempt ended, now by the store's
// clock, checked against owner ("" for none). It does not refuse a run that
// finished before: the latest attempt's outcome wins. The owner and lease
// are cleared.
func (s *DB) FinishTrial(ctx context.Context, id int64, owner string, o Outcome) error {
	if !o.Status.Terminal() {
		return fmt.Errorf("results: finish trial %d: invalid final status %q", id, o.Status)
	}
	summary, err := encodeSummary(o.Summary)
	if err != nil {
		return fmt.Errorf("results: finish trial %d: %w", id, err)
	}
	err = s.owned(ctx, id, owner, func(tx *sql.Tx) error {
		if o.Summary != nil {
			if _, err := s.exec(ctx, tx, `UPDATE runs SET summary = ? WHERE id = ?`, summary, id); err != nil {
				return err
			}
		}
		_, err := s.exec(ctx, tx, `UPDATE runs SET status = ?, finished_at = ?, error = ?, stop_reason = ?,
			owner = NULL, lease_expires_at = NULL WHERE id = ?`,
			string(o.Status), s.nowArg(), nullString(o.Error), nullString(o.StopReason), id)
		return err
	})
	return wrapErr(err, "results: finish trial %d", id)
}

// MetricAt returns, for each run of sweep sweepID that recorded epoch, its
// value of metric (one of record.MetricNames) there; runs whose value is
// NULL are left out.
func (s *DB) MetricAt(ctx context.Context, sweepID int64, epoch int, metric string) (map[int64]float64, error) {
	// Only a known metric's name, which is its column's, goes into the SQL.
	if _, ok := record.LookupMetric(metric); !ok {
		return nil, fmt.Errorf("results: unknown metric %q (want one of %v)", metric, record.MetricNames())
	}
	rows, err := s.query(ctx, s.db, `SELECT e.run_id, e.`+metric+` FROM epochs e JOIN runs r ON r.id = e.run_id
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
			return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("results: %s at epoch %d: %w", metric, epoch, err)
	}
	return out, nil
}
