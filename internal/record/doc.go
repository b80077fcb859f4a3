// Package record is the vocabulary of what a run records, shared by config,
// runner, sweep, report and the results store: the statuses of a run, the
// metrics of an epoch with the direction in which each improves, and the one
// rule that picks the default metric.
package record
