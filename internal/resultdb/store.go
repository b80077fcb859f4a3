package resultdb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the databases; the store's methods are
// written once over database/sql around it. Queries are written with ?
// placeholders, which the store rebinds to $1, $2, … for dialects with
// dollar set.
type dialect struct {
	dollar bool // placeholders are $n
	// serverClock: leases are set and judged by the server's now() (so
	// workers whose clocks disagree still agree); otherwise by the store's
	// clock.
	serverClock bool
	// forUpdate locks a selected row for the rest of its transaction, and
	// skipLocked does so skipping rows other transactions hold ("" where
	// every write transaction holds the whole database).
	forUpdate, skipLocked string
	// timeArg is a time as a query argument.
	timeArg func(t time.Time) any
	// migrations holds the numbered NNN_name.sql files, at its root.
	migrations fs.FS
	// tableExists is a query whose one row tells whether table ? exists.
	tableExists string
	// lockMigrations and lockSweep, if not "", take a transaction-level
	// lock serialising migrations, and (with the arguments name and file)
	// the lookup-or-create of the sweep of (name, file).
	lockMigrations, lockSweep string
	// isUnique tells a unique constraint's violation.
	isUnique func(err error) bool
	// retryOpen reports whether opening failed for a passing reason.
	retryOpen func(err error) bool
	// snapshots: Summaries reads one snapshot, in a read-only REPEATABLE
	// READ transaction; otherwise it reads without a transaction.
	snapshots bool
}

// DB is a results database opened to write (by Open or OpenExisting): the
// reads of Reader, and the worker protocol by which exp run plans, claims
// and records trials (OpenSweep, PlanTrials, ProposeTrial, ClaimTrial,
// Owned, Heartbeat, AddTrialEpoch, AddTrialEpochConfusion, FinishTrial),
// with AddEvaluation. Its methods are safe for concurrent use.
type DB struct {
	db      *sql.DB
	d       *dialect
	path    string           // the DSN without a password
	clock   func() time.Time // the store's clock
	onClose func()           // releases what db is built on; nil for nothing
}

var _ Reader = (*DB)(nil)

// Path returns the path or URL (without its password) the store was opened with.
func (s *DB) Path() string { return s.path }

// Close closes the database.
func (s *DB) Close() error {
	err := s.db.Close()
	if s.onClose != nil {
		s.onClose()
	}
	if err != nil {
		return fmt.Errorf("results: close %s: %w", s.path, err)
	}
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q rebinds query's placeholders for the dialect.
func (s *DB) q(query string) string {
	if !s.d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.q(query), args...)
}

func (s *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.q(query), args...)
}

func (s *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.q(query), args...)
}

// write runs fn in one transaction and commits it if fn succeeds. A SQLite
// transaction begins IMMEDIATE (see sqliteParams), holding the write lock
// from the start; a PostgreSQL one is READ COMMITTED. A cancelled ctx fails
// with its own error before anything runs.
func (s *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, nil, fn)
}

func (s *DB) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // fn's error is the one to report
		return err
	}
	return tx.Commit()
}

// read runs fn on one snapshot where the dialect has one (a read-only
// transaction), else straight on the database.
func (s *DB) read(ctx context.Context, fn func(q querier) error) error {
	if !s.d.snapshots {
		return fn(s.db)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	return s.inTx(ctx, opts, func(tx *sql.Tx) error { return fn(tx) })
}

// now returns the store's clock reading as stored: UTC, whole milliseconds.
func (s *DB) now() time.Time { return normTime(s.clock()) }

// nowArg is the store's clock reading as a query argument.
func (s *DB) nowArg() any { return s.d.timeArg(s.now()) }

// leaseNow returns the SQL, and its arguments, of the clock that judges
// leases: the server's now(), or now, a reading of the store's clock.
func (s *DB) leaseNow(now time.Time) (string, []any) {
	if s.d.serverClock {
		return "now()", nil
	}
	return "?", []any{s.d.timeArg(now)}
}

// leaseUntil returns the SQL, and its arguments, of the lease clock (see
// leaseNow) plus d, as stored.
func (s *DB) leaseUntil(now time.Time, d time.Duration) (string, []any) {
	if s.d.serverClock {
		return "date_trunc('milliseconds', now() + CAST(? AS bigint) * interval '1 microsecond')", []any{d.Microseconds()}
	}
	return "?", []any{s.d.timeArg(now.Add(d))}
}

// timeLayout is how SQLite stores timestamps: RFC 3339 in UTC with exactly
// three fractional digits, so that stored times sort and compare as text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// normTime returns t in UTC truncated to milliseconds, as it reads back.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

func formatTime(t time.Time) string {
	return normTime(t).Format(timeLayout)
}

// dbTime scans a stored time: RFC 3339 text (SQLite) or a timestamptz
// (PostgreSQL), read back in UTC; Valid is false for NULL.
type dbTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case nil:
		*t = dbTime{}
		return nil
	case time.Time:
		*t = dbTime{Time: v.UTC(), Valid: true}
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("time of type %T", v)
	}
	p, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return err
	}
	*t = dbTime{Time: p.UTC(), Valid: true}
	return nil
}

// ptr returns a pointer to the time, nil for NULL.
func (t dbTime) ptr() *time.Time { return valuePtr(t.Time, t.Valid) }

// valuePtr returns a pointer to a copy of v if valid, else nil (NULL).
func valuePtr[T any](v T, valid bool) *T {
	if !valid {
		return nil
	}
	return &v
}

// wrapErr returns err prefixed with what was being done (format and
// args), nil for nil.
func wrapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
