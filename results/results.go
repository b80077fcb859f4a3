package results

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// DB is a results database opened for reading. Its methods are safe for
// concurrent use.
type DB struct {
	ro *resultdb.ReadOnly
}

// Open opens the results database dsn for reading: the path of a SQLite
// file exp wrote (a missing file is an error wrapping fs.ErrNotExist; none
// is created), or a PostgreSQL URL, postgres://user@host/db. A database
// that still needs migrating is refused with an error wrapping
// ErrNeedsMigration.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if !resultdb.IsPostgres(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("results: open %s: no results database: %w", dsn, fs.ErrNotExist)
		}
	}
	ro, err := resultdb.OpenReadOnly(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &DB{ro: ro}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.ro.Close() }

// Path returns the path or URL (without its password) db was opened with.
func (db *DB) Path() string { return db.ro.Path() }

// Sweeps returns every sweep, oldest first.
func (db *DB) Sweeps(ctx context.Context) ([]*Sweep, error) { return db.ro.Sweeps(ctx) }

// Sweep returns sweep id, or an error wrapping ErrNotFound.
func (db *DB) Sweep(ctx context.Context, id int64) (*Sweep, error) { return db.ro.Sweep(ctx, id) }

// Filter selects runs; its zero value selects every run.
type Filter struct {
	// SweepID, if not 0, keeps the trials of that sweep.
	SweepID int64
	// Name, if not "", keeps the runs of that name (their config's name).
	Name string
	// Status, if not empty, keeps the runs in one of these statuses.
	Status []Status
}

// Runs returns the runs f selects, oldest first (by id). A sweep that does
// not exist gives an error wrapping ErrNotFound.
func (db *DB) Runs(ctx context.Context, f Filter) ([]*Run, error) {
	var runs []*Run
	var err error
	switch {
	case f.SweepID != 0:
		if _, err := db.ro.Sweep(ctx, f.SweepID); err != nil {
			return nil, err
		}
		runs, err = db.ro.Trials(ctx, f.SweepID)
	case f.Name != "":
		runs, err = db.ro.RunsByName(ctx, f.Name)
	default:
		runs, err = db.ro.Runs(ctx)
	}
	if err != nil {
		return nil, err
	}
	runs = slices.DeleteFunc(runs, func(r *Run) bool {
		return (f.Name != "" && r.Name != f.Name) || (len(f.Status) > 0 && !slices.Contains(f.Status, r.Status))
	})
	slices.SortFunc(runs, func(a, b *Run) int { return cmp.Compare(a.ID, b.ID) })
	return runs, nil
}

// Run returns run id, or an error wrapping ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (*Run, error) { return db.ro.Run(ctx, id) }

// Epochs returns the finished epochs of run runID, in order. A run that
// does not exist gives an error wrapping ErrNotFound.
func (db *DB) Epochs(ctx context.Context, runID int64) ([]*Epoch, error) {
	return db.ro.Epochs(ctx, runID)
}

// Best is a run's best epoch by one metric.
type Best struct {
	// Metric is the metric, with the Direction in which it improves.
	Metric Metric
	// Epoch is the best epoch: the earliest with the best value.
	Epoch *Epoch
	// Value is the epoch's value of the metric.
	Value float64
}

// BestEpoch returns run runID's best epoch by metric: the earliest epoch
// with the highest value of a metric whose Direction is Higher, the lowest
// of one that is Lower, as exp table ranks them. An empty metric names the
// one exp ranks by when none is given: val_accuracy if an epoch has it,
// else val_loss, else loss. A run none of whose epochs has the metric gives
// an error wrapping ErrNotFound, as does a run that does not exist; an
// unknown or unranked metric is an error.
func (db *DB) BestEpoch(ctx context.Context, runID int64, metric string) (*Best, error) {
	if metric != "" && !record.Ranked(metric) {
		return nil, fmt.Errorf("results: best epoch of run %d: %q is not a ranked metric (ranked: %s)",
			runID, metric, strings.Join(record.MetricNames(), ", "))
	}
	epochs, err := db.ro.Epochs(ctx, runID)
	if err != nil {
		return nil, err
	}
	if metric == "" {
		metric = record.DefaultMetric(func(name string) bool {
			return slices.ContainsFunc(epochs, func(e *Epoch) bool { return e.Has(name) })
		})
	}
	b := record.NewBest(metric)
	var best *Epoch
	for _, e := range epochs {
		if b.Observe(*e) {
			best = e
		}
	}
	if best == nil {
		return nil, fmt.Errorf("results: best epoch of run %d: no epoch has %s: %w", runID, metric, ErrNotFound)
	}
	m, _ := record.LookupMetric(metric)
	return &Best{Metric: m, Epoch: best, Value: b.Value}, nil
}

// Evaluations returns the evaluations of run runID's best model, oldest
// first. A run that does not exist gives an error wrapping ErrNotFound.
func (db *DB) Evaluations(ctx context.Context, runID int64) ([]*Evaluation, error) {
	if _, err := db.ro.Run(ctx, runID); err != nil {
		return nil, err
	}
	return db.ro.Evaluations(ctx, runID)
}
