// Package report renders results for people: it selects and ranks runs
// (Select, by a metric of record's vocabulary, record.DefaultMetric when
// none is named), tabulates them per run or per group, draws their learning
// curves, exports their epochs as CSV or JSON, and writes exp show's run
// page with what it adds about the run's best model (best checkpoint,
// per-class metrics, confusion matrix, evaluations: prediction.go), exp
// status's sweep progress (throughput and ETA) and the HTML report with its
// confusion-matrix heatmaps.
package report
