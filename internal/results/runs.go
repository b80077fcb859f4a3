package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Status is the state of a run, stored in runs.status.
type Status string

// The statuses of a run. A run is created StatusRunning; FinishRun moves it
// to one of the others.
const (
	// StatusRunning is a run still training (or one whose process died
	// without finishing it).
	StatusRunning Status = "running"
	// StatusCompleted is a run that trained all its planned epochs.
	StatusCompleted Status = "completed"
	// StatusFailed is a run stopped by an error, kept in runs.error.
	StatusFailed Status = "failed"
	// StatusInterrupted is a run stopped by the user (a signal).
	StatusInterrupted Status = "interrupted"
	// StatusDiverged is a run stopped because its loss stopped being finite.
	StatusDiverged Status = "diverged"
	// StatusPending is a planned trial of a sweep that has not started.
	StatusPending Status = "pending"
	// StatusPruned is a trial a sweep stopped early for falling behind the
	// others (sweep.prune).
	StatusPruned Status = "pruned"
)

// statuses lists the known statuses; the schema deliberately has no CHECK
// constraint so that later versions can add more.
var statuses = []Status{StatusRunning, StatusCompleted, StatusFailed, StatusInterrupted, StatusDiverged, StatusPending, StatusPruned}

// Valid reports whether s is a status this version knows.
func (s Status) Valid() bool {
	for _, known := range statuses {
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

// Run is one training run: a row of the runs table.
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
	// Owner is the token of the worker that claimed the trial ("" for none).
	Owner string
	// LeaseExpiresAt is when the owner's lease runs out (nil without one).
	LeaseExpiresAt *time.Time
}

// runColumns are the runs columns read by scanRun, in its order.
const runColumns = `id, name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
	learning_rate, batch_size, epochs, threads, started_at, finished_at, error, summary,
	sweep_id, trial, variant, params, attempts, stop_reason, owner, lease_expires_at`

// CreateRun inserts r as a new run with status running, started now by the
// store's clock. It sets r.ID, r.Status and r.StartedAt, and clears
// r.FinishedAt and r.Error; r.Summary is stored if not nil.
func (s *SQLite) CreateRun(ctx context.Context, r *Run) error {
	if r == nil {
		return errors.New("results: create run: nil run")
	}
	if err := validateRun(r); err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	summary, err := encodeSummary(r.Summary)
	if err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	started := s.now()
	var id int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO runs (name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
				learning_rate, batch_size, epochs, threads, started_at, finished_at, error, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
			r.Name, r.ModelName, string(StatusRunning), r.ConfigYAML, r.ConfigHash, r.Seed, r.Backend, r.Optimizer,
			r.LearningRate, r.BatchSize, r.Epochs, r.Threads, started.Format(timeLayout), summary)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("results: create run %q: %w", r.Name, err)
	}
	r.ID = id
	r.Status = StatusRunning
	r.StartedAt = started
	r.FinishedAt = nil
	r.Error = ""
	return nil
}

func validateRun(r *Run) error {
	switch {
	case r.Name == "":
		return errors.New("empty name")
	case math.IsNaN(r.LearningRate) || math.IsInf(r.LearningRate, 0):
		return fmt.Errorf("learning rate %v is not finite", r.LearningRate)
	case r.BatchSize < 0:
		return fmt.Errorf("negative batch size %d", r.BatchSize)
	case r.Epochs < 0:
		return fmt.Errorf("negative planned epochs %d", r.Epochs)
	case r.Threads < 0:
		return fmt.Errorf("negative threads %d", r.Threads)
	}
	return nil
}

// FinishRun records that run id finished now (by the store's clock) with
// status, which must be terminal, and errMsg ("" for none, stored as NULL).
// Finishing a run twice is an error wrapping ErrFinished. When training was
// stopped by cancelling a context, pass one that is not cancelled
// (context.WithoutCancel) or the write is refused.
func (s *SQLite) FinishRun(ctx context.Context, id int64, status Status, errMsg string) error {
	if !status.Terminal() {
		return fmt.Errorf("results: finish run %d: invalid final status %q", id, status)
	}
	finished := s.now().Format(timeLayout)
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ? AND finished_at IS NULL`,
			string(status), finished, nullString(errMsg), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var prev string
		switch err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&prev); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("run %w", ErrNotFound)
		case err != nil:
			return err
		}
		return fmt.Errorf("%w as %s", ErrFinished, prev)
	})
	if err != nil {
		return fmt.Errorf("results: finish run %d: %w", id, err)
	}
	return nil
}

// SetSummary replaces the summary of run id; a nil or empty summary is
// stored as NULL.
func (s *SQLite) SetSummary(ctx context.Context, id int64, summary map[string]float64) error {
	text, err := encodeSummary(summary)
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET summary = ? WHERE id = ?`, text, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = fmt.Errorf("run %w", ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("results: set summary of run %d: %w", id, err)
	}
	return nil
}

// Run returns the run with the given id, or an error wrapping ErrNotFound.
func (s *SQLite) Run(ctx context.Context, id int64) (*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("results: run %d: %w", id, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("results: run %d: %w", id, ErrNotFound)
	}
	return runs[0], nil
}

// RunsByName returns the runs with the given name, by id (oldest first);
// none is not an error.
func (s *SQLite) RunsByName(ctx context.Context, name string) ([]*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT `+runColumns+` FROM runs WHERE name = ? ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("results: runs named %q: %w", name, err)
	}
	return runs, nil
}

// Runs returns all runs, by id.
func (s *SQLite) Runs(ctx context.Context) ([]*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("results: runs: %w", err)
	}
	return runs, nil
}

func (s *SQLite) queryRuns(ctx context.Context, query string, args ...any) ([]*Run, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collectRuns(rows)
}

func scanRun(rows *sql.Rows) (*Run, error) {
	var (
		r                       Run
		status, started         string
		finished, errText, summ sql.NullString
		sweepID, trial          sql.NullInt64
		variant, params, stop   sql.NullString
		owner, lease            sql.NullString
	)
	if err := rows.Scan(&r.ID, &r.Name, &r.ModelName, &status, &r.ConfigYAML, &r.ConfigHash, &r.Seed,
		&r.Backend, &r.Optimizer, &r.LearningRate, &r.BatchSize, &r.Epochs, &r.Threads,
		&started, &finished, &errText, &summ, &sweepID, &trial, &variant, &params, &r.Attempts, &stop, &owner, &lease); err != nil {
		return nil, err
	}
	r.Owner = owner.String
	if lease.Valid {
		t, err := parseTime(lease.String)
		if err != nil {
			return nil, fmt.Errorf("run %d: lease_expires_at: %w", r.ID, err)
		}
		r.LeaseExpiresAt = &t
	}
	r.SweepID, r.Trial, r.Variant, r.StopReason = sweepID.Int64, int(trial.Int64), variant.String, stop.String
	if params.Valid {
		if err := json.Unmarshal([]byte(params.String), &r.Params); err != nil {
			return nil, fmt.Errorf("run %d: params: %w", r.ID, err)
		}
	}
	r.Status = Status(status)
	t, err := parseTime(started)
	if err != nil {
		return nil, fmt.Errorf("run %d: started_at: %w", r.ID, err)
	}
	r.StartedAt = t
	if finished.Valid {
		t, err := parseTime(finished.String)
		if err != nil {
			return nil, fmt.Errorf("run %d: finished_at: %w", r.ID, err)
		}
		r.FinishedAt = &t
	}
	r.Error = errText.String
	if summ.Valid {
		if r.Summary, err = decodeSummary(summ.String); err != nil {
			return nil, fmt.Errorf("run %d: summary: %w", r.ID, err)
		}
	}
	return &r, nil
}

// encodeSummary returns m as a JSON object (keys sorted), or nil (NULL) if m
// is empty. JSON has no NaN or infinities: they become null.
func encodeSummary(m map[string]float64) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]*float64, len(m))
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = nil
			continue
		}
		out[k] = &v
	}
	buf, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return string(buf), nil
}

// decodeSummary is the inverse of encodeSummary; null reads as NaN.
func decodeSummary(text string) (map[string]float64, error) {
	var in map[string]*float64
	if err := json.Unmarshal([]byte(text), &in); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, nil
	}
	m := make(map[string]float64, len(in))
	for k, v := range in {
		if v == nil {
			m[k] = math.NaN()
		} else {
			m[k] = *v
		}
	}
	return m, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
