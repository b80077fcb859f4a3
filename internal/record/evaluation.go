package record

import "time"

// Evaluation is one scoring of a run's best model on some data: a row of
// the evaluations table. Metrics that do not apply are nil.
type Evaluation struct {
	ID       int64
	RunID    int64
	Data     string // what was scored, e.g. "path=test.csv" or "validation set"
	DataHash string // a hash of the scored examples
	Loss     *float64
	Accuracy *float64 // classification
	MSE      *float64 // regression, as are MAE, RMSE and R2
	MAE      *float64
	RMSE     *float64
	R2       *float64
	// CreatedAt is when it was recorded (set by the results store as it records it).
	CreatedAt time.Time
}
