package record

import "time"

// Run is one training run (a trial of a sweep): a row of the runs table.
// The claim on a trial that a worker is running (the owner and
// lease_expires_at columns) belongs to the worker protocol, which the
// results store keeps to itself.
type Run struct {
	ID           int64
	Name         string // the config's name; several runs may share it
	ModelName    string
	Status       Status
	ConfigYAML   string // the effective config, as YAML
	ConfigHash   string // the config's canonical hash
	Seed         int64
	Backend      string
	Optimizer    string
	LearningRate float64
	BatchSize    int
	Epochs       int // planned epochs
	Threads      int // 0: the backend's default
	StartedAt    time.Time
	FinishedAt   *time.Time // nil while running
	Error        string     // "" unless the run failed
	// Summary holds named results of the run, e.g. the learned w and b of a
	// regression; nil if none. Stored as a JSON object; NaN and infinities
	// are stored as null and read back as NaN.
	Summary map[string]float64

	// SweepID is the sweep the run is a trial of (0: none, for runs from
	// before sweeps existed).
	SweepID int64
	// Trial is the trial's number in its sweep, from 1.
	Trial int
	// Variant is the trial's variant ("" without variants).
	Variant string
	// Params are the trial's axis values by key path (nil for none).
	Params map[string]any
	// Attempts is the number of times the trial was started.
	Attempts int
	// StopReason says why the run stopped before its planned epochs
	// (early stopping, pruning); "" otherwise.
	StopReason string
	// Preprocessing is what turned a user's files into model inputs, as
	// JSON, for csv, npz and images runs ("" for the built-in datasets).
	Preprocessing string
	// DataHash is the hash of the contents of a user's files ("" for the
	// built-in datasets).
	DataHash string
}

// Sweep is a row of the sweeps table: one config file's set of trials.
type Sweep struct {
	ID        int64
	Name      string
	File      string // absolute path of the config file
	SpecHash  string // hash of the planned trials
	CreatedAt time.Time
	Prune     string // JSON of the prune settings; "" for none
}
