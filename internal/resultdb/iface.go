package resultdb

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// Reader is every read of the results: runs, their epochs, sweeps, and
// what prediction stored. *DB has these methods and the worker protocol's
// writes; *ReadOnly has these only. Packages that read take smaller
// interfaces of their own, holding the methods they call.
type Reader interface {
	// Path names the database: a file path or a PostgreSQL URL (without
	// its password).
	Path() string
	Close() error

	Run(ctx context.Context, id int64) (*record.Run, error)
	RunsByName(ctx context.Context, name string) ([]*record.Run, error)
	Runs(ctx context.Context) ([]*record.Run, error)
	Epochs(ctx context.Context, runID int64) ([]*record.Epoch, error)
	AllEpochs(ctx context.Context) (map[int64][]*record.Epoch, error)
	Summaries(ctx context.Context) ([]*RunSummary, error)
	Sweep(ctx context.Context, id int64) (*record.Sweep, error)
	Sweeps(ctx context.Context) ([]*record.Sweep, error)
	Trials(ctx context.Context, sweepID int64) ([]*record.Run, error)
	MetricAt(ctx context.Context, sweepID int64, epoch int, metric string) (map[int64]float64, error)
	Confusion(ctx context.Context, id int64) (string, error)
	Evaluations(ctx context.Context, id int64) ([]*record.Evaluation, error)
}

// Claim says how a worker claims a trial.
type Claim struct {
	// Owner is the worker's fresh token for this claim; later writes for
	// the trial must present it.
	Owner string
	// Lease, if > 0, is how long the claim holds without a heartbeat: a
	// running trial whose lease ran out may be claimed again.
	Lease time.Duration
	// Lock, if set, is called for each candidate trial, in order, inside the
	// claiming transaction: it returns true when the caller took the trial's
	// liveness lock (a running trial then has a dead worker). A candidate
	// for which it returns false is skipped.
	Lock func(r *record.Run) bool
}

// Outcome is how a trial's attempt ended.
type Outcome struct {
	Status     record.Status // terminal
	Error      string        // "" for none
	StopReason string        // "" for none
	// Summary, if not nil, replaces the run's summary.
	Summary map[string]float64
}

// ErrNotFound is wrapped by the errors of methods asked about a run or
// sweep that does not exist. Test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is wrapped by the error of AddTrialEpoch when the run already
// has that epoch.
var ErrDuplicate = errors.New("already recorded")

// ErrLeaseLost is returned for a write by a worker that no longer owns the
// trial (its lease ran out and another worker claimed it).
var ErrLeaseLost = errors.New("lease lost: the trial belongs to another worker now")

// Option changes how Open opens a store.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock makes now the store's clock for the times it records (started,
// finished and created times; on SQLite also leases). Without it the clock
// is time.Now. Readings are stored in UTC, truncated to milliseconds.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the results database dsn: a PostgreSQL URL
// (postgres://user@host/db) or the path of a SQLite file, created if needed,
// and applies the migrations it has not seen yet.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	return open(ctx, dsn, false, opts)
}

// OpenExisting is Open for a database that must exist already: a missing
// SQLite file is an error (wrapping fs.ErrNotExist) rather than a new
// database. The commands that read use it, and exp evaluate, which adds an
// evaluation to an existing run.
func OpenExisting(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	return open(ctx, dsn, true, opts)
}

// open opens the store of dsn with the dialect its form names.
func open(ctx context.Context, dsn string, existing bool, opts []Option) (*DB, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.now == nil {
		return nil, errors.New("results: open: WithClock(nil)")
	}
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn, o)
	}
	return openSQLite(ctx, dsn, existing, o)
}
