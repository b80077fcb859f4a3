// Package record is the vocabulary of what a run records, shared by config,
// train, sweep, report, the results store and the public package results:
// the rows a reader gets back (Run, Sweep, Epoch, Evaluation), the statuses
// of a run, the metrics of an epoch with the direction in which each
// improves, and the one rule that picks the default metric.
package record
