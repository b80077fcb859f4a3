package record

// Status is the state of a run, stored in runs.status.
type Status string

// The statuses of a run. A trial is created StatusPending; it is
// StatusRunning while a process trains it, and ends in one of the others.
const (
	// StatusPending is a planned trial that has not started.
	StatusPending Status = "pending"
	// StatusRunning is a run still training (or one whose process died
	// without finishing it, until it is resumed).
	StatusRunning Status = "running"
	// StatusCompleted is a run that trained all its planned epochs (or was
	// stopped early by train.early_stopping).
	StatusCompleted Status = "completed"
	// StatusFailed is a run stopped by an error, kept in runs.error.
	StatusFailed Status = "failed"
	// StatusInterrupted is a run stopped by the user (a signal).
	StatusInterrupted Status = "interrupted"
	// StatusDiverged is a run stopped because its loss stopped being finite.
	StatusDiverged Status = "diverged"
	// StatusPruned is a trial a sweep stopped early for falling behind the
	// others (sweep.prune).
	StatusPruned Status = "pruned"
)

// Statuses lists the statuses this version knows, in the order tables show
// them. The schema has no CHECK constraint, so later versions can add more.
var Statuses = []Status{StatusPending, StatusRunning, StatusCompleted, StatusFailed, StatusInterrupted, StatusDiverged, StatusPruned}

// Valid reports whether s is a status this version knows.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}

// Terminal reports whether s is a known status a run can finish with:
// every known status but StatusRunning and StatusPending.
func (s Status) Terminal() bool {
	return s.Valid() && s != StatusRunning && s != StatusPending
}
