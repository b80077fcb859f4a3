package record

import (
	"math"
	"slices"
)

// Direction says which values of a metric are better.
type Direction int

// The directions of a metric.
const (
	// Unranked metrics are recorded and plotted but never ranked (a
	// learning rate).
	Unranked Direction = iota
	// Higher is better (accuracy, F1, R²).
	Higher
	// Lower is better (losses, errors).
	Lower
)

// String returns "maximize", "minimize" or "unranked".
func (d Direction) String() string {
	switch d {
	case Higher:
		return "maximize"
	case Lower:
		return "minimize"
	}
	return "unranked"
}

// Metric is a per-epoch metric: its name, as a column of the epochs table,
// and the direction in which it improves.
type Metric struct {
	Name      string
	Direction Direction
	// Validation is true for a metric measured on the validation set: a
	// run without validation data has none.
	Validation bool
	// Classes is true for a metric that needs class labels: a regression
	// has none.
	Classes bool
	// Doc is a one-line description.
	Doc string
}

// The epoch metrics this version records, in the order tables show them.
var metrics = []Metric{
	{Name: Loss, Direction: Lower, Doc: "training loss (mean over the epoch's steps)"},
	{Name: Accuracy, Direction: Higher, Classes: true, Doc: "training accuracy (classification only)"},
	{Name: ValLoss, Direction: Lower, Validation: true, Doc: "loss on the validation set"},
	{Name: ValAccuracy, Direction: Higher, Validation: true, Classes: true, Doc: "accuracy on the validation set (classification only)"},
	{Name: ValF1Macro, Direction: Higher, Validation: true, Classes: true, Doc: "macro-averaged F1 on the validation set (classification only)"},
}

// unranked are the epoch metrics that are recorded and plotted but never
// ranked nor monitored; MetricNames leaves them out.
var unranked = []Metric{
	{Name: LR, Direction: Unranked, Doc: "learning rate in force at the epoch's last training step"},
}

// The names of the epoch metrics.
const (
	LR          = "lr"
	Loss        = "loss"
	Accuracy    = "accuracy"
	ValLoss     = "val_loss"
	ValAccuracy = "val_accuracy"
	ValF1Macro  = "val_f1_macro"
)

// Metrics returns the ranked epoch metrics in table order.
func Metrics() []Metric { return slices.Clone(metrics) }

// MetricNames returns the names of the ranked epoch metrics in table order.
func MetricNames() []string {
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	return names
}

// LookupMetric returns the metric called name, ranked or unranked.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range slices.Concat(metrics, unranked) {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Ranked reports whether name is a ranked metric: one that tables rank by
// and that early stopping, pruning and search may monitor.
func Ranked(name string) bool {
	m, ok := LookupMetric(name)
	return ok && m.Direction != Unranked
}

// HigherIsBetter reports whether larger values of the metric called name are
// better; false for unknown and unranked metrics.
func HigherIsBetter(name string) bool {
	m, ok := LookupMetric(name)
	return ok && m.Direction == Higher
}

// Better reports whether value a of metric name is strictly better than b.
// A NaN is never better, and anything else is better than a NaN. Nothing
// is better for an unranked or unknown metric.
func Better(name string, a, b float64) bool {
	m, ok := LookupMetric(name)
	switch {
	case !ok || m.Direction == Unranked:
		return false
	case math.IsNaN(a):
		return false
	case math.IsNaN(b):
		return true
	case m.Direction == Higher:
		return a > b
	}
	return a < b
}

// DefaultMetric is the one rule that picks the metric to rank runs by where
// none is named (tables, early stopping, the best checkpoint, search):
// val_accuracy if has says the run has it, else val_loss, else loss.
func DefaultMetric(has func(name string) bool) string {
	for _, name := range []string{ValAccuracy, ValLoss} {
		if has(name) {
			return name
		}
	}
	return Loss
}
