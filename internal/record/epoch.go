package record

import "time"

// Epoch is one finished epoch of a run: a row of the epochs table.
type Epoch struct {
	RunID int64
	Epoch int // 1-based

	// Loss and Accuracy are the training metrics, ValLoss and ValAccuracy
	// those on the validation set; nil is NULL: no accuracy for a
	// regression, no val_ metrics without a validation set. A NaN metric is
	// stored as NULL and reads back nil.
	Loss, Accuracy, ValLoss, ValAccuracy *float64
	// ValF1Macro is the macro-averaged F1 on the validation set
	// (classification with a validation set only; nil otherwise).
	ValF1Macro *float64

	// LR is the learning rate in force at the epoch's last training step,
	// nil for epochs recorded before exp stored it.
	LR *float64

	Seconds           float64 // wall time of the epoch: training and evaluation
	MsPerStep         float64 // mean milliseconds per training step
	ExamplesPerSecond float64 // training examples per second of training time
	FinishedAt        time.Time
}

// Value returns the value of the metric called name, or nil when the epoch
// has none (or name is not an epoch metric).
func (e *Epoch) Value(name string) *float64 {
	switch name {
	case Loss:
		return e.Loss
	case Accuracy:
		return e.Accuracy
	case ValLoss:
		return e.ValLoss
	case ValAccuracy:
		return e.ValAccuracy
	case LR:
		return e.LR
	case ValF1Macro:
		return e.ValF1Macro
	}
	return nil
}

// Has reports whether the epoch has a value for the metric called name.
func (e *Epoch) Has(name string) bool { return e.Value(name) != nil }
