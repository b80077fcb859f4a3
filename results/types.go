package results

import (
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// The rows of the results database, as exp records them.
type (
	// Run is one training run, a row of the runs table; a trial of a sweep
	// has its SweepID, Trial number and Params.
	Run = record.Run
	// Sweep is a row of the sweeps table: one config file's set of trials.
	Sweep = record.Sweep
	// Epoch is one finished epoch of a run, a row of the epochs table; a
	// metric that does not apply is nil.
	Epoch = record.Epoch
	// Evaluation is one scoring of a run's best model by exp evaluate, a
	// row of the evaluations table.
	Evaluation = record.Evaluation
)

// Status is the state of a run.
type Status = record.Status

// The statuses of a run. A trial is planned StatusPending, is StatusRunning
// while it trains, and ends in one of the others.
const (
	StatusPending     = record.StatusPending
	StatusRunning     = record.StatusRunning
	StatusCompleted   = record.StatusCompleted
	StatusFailed      = record.StatusFailed
	StatusInterrupted = record.StatusInterrupted
	StatusDiverged    = record.StatusDiverged
	StatusPruned      = record.StatusPruned
)

// Metric is an epoch metric: its name (a column of the epochs table), the
// Direction in which it improves, and whether it needs a validation set or
// class labels.
type Metric = record.Metric

// Direction says which values of a metric are better.
type Direction = record.Direction

// The directions of a metric.
const (
	// Higher is better (accuracy, F1).
	Higher = record.Higher
	// Lower is better (losses).
	Lower = record.Lower
	// Unranked metrics are recorded but never ranked (the learning rate).
	Unranked = record.Unranked
)

// The names of the epoch metrics.
const (
	Loss        = record.Loss
	Accuracy    = record.Accuracy
	ValLoss     = record.ValLoss
	ValAccuracy = record.ValAccuracy
	ValF1Macro  = record.ValF1Macro
	LR          = record.LR
)

// Metrics returns the ranked epoch metrics in the order exp's tables show
// them.
func Metrics() []Metric { return record.Metrics() }

// LookupMetric returns the metric called name, ranked or not.
func LookupMetric(name string) (Metric, bool) { return record.LookupMetric(name) }

// ErrNotFound is wrapped by the errors for a run or sweep that does not
// exist, and by BestEpoch's for a run none of whose epochs has the metric.
// Test for it with errors.Is.
var ErrNotFound = resultdb.ErrNotFound

// ErrNeedsMigration is wrapped by Open's error for a database written by an
// older exp that still needs migrating, which a reader cannot do: run any
// exp command that writes on it first (exp status, say).
var ErrNeedsMigration = resultdb.ErrNeedsMigration
