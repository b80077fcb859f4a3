package resultdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/exp-runner/exp/internal/record"
)

// runColumns are the runs columns read by scanRun, in its order.
const runColumns = `id, name, model_name, status, config_yaml, config_hash, seed, backend, optimizer,
	learning_rate, batch_size, epochs, threads, started_at, finished_at, error, summary,
	sweep_id, trial, variant, params, attempts, stop_reason, preprocessing, data_hash`

// Run returns the run with the given id, or an error wrapping ErrNotFound.
func (s *DB) Run(ctx context.Context, id int64) (*record.Run, error) {
	runs, err := s.queryRuns(ctx, s.db, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id)
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
func (s *DB) RunsByName(ctx context.Context, name string) ([]*record.Run, error) {
	runs, err := s.queryRuns(ctx, s.db, `SELECT `+runColumns+` FROM runs WHERE name = ? ORDER BY id`, name)
	return runs, wrapErr(err, "results: runs named %q", name)
}

// Runs returns all runs, by id.
func (s *DB) Runs(ctx context.Context) ([]*record.Run, error) {
	runs, err := s.queryRuns(ctx, s.db, `SELECT `+runColumns+` FROM runs ORDER BY id`)
	return runs, wrapErr(err, "results: runs")
}

// queryRuns returns the runs a query of runColumns selects.
func (s *DB) queryRuns(ctx context.Context, q querier, query string, args ...any) ([]*record.Run, error) {
	return queryAll(ctx, s, q, scanRun, query, args...)
}

// queryAll returns each row of a query, read by scan.
func queryAll[T any](ctx context.Context, s *DB, q querier, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanRun reads a row of runColumns.
func scanRun(rows *sql.Rows) (*record.Run, error) { return scanRunAnd(rows) }

// scanRunAnd reads a row of runColumns followed by columns into more.
func scanRunAnd(rows *sql.Rows, more ...any) (*record.Run, error) {
	var (
		r                             record.Run
		status                        string
		started, finished             dbTime
		errText, summ, variant, param sql.NullString
		stop, pre, dataHash           sql.NullString
		sweepID, trial                sql.NullInt64
	)
	dest := []any{&r.ID, &r.Name, &r.ModelName, &status, &r.ConfigYAML, &r.ConfigHash, &r.Seed,
		&r.Backend, &r.Optimizer, &r.LearningRate, &r.BatchSize, &r.Epochs, &r.Threads,
		&started, &finished, &errText, &summ, &sweepID, &trial, &variant, &param, &r.Attempts, &stop,
		&pre, &dataHash}
	if err := rows.Scan(append(dest, more...)...); err != nil {
		return nil, err
	}
	if !started.Valid {
		return nil, fmt.Errorf("run %d: started_at is NULL", r.ID)
	}
	r.Status, r.StartedAt, r.FinishedAt = record.Status(status), started.Time, finished.ptr()
	r.Error, r.Variant, r.StopReason = errText.String, variant.String, stop.String
	r.SweepID, r.Trial = sweepID.Int64, int(trial.Int64)
	r.Preprocessing, r.DataHash = pre.String, dataHash.String
	if param.Valid {
		if err := json.Unmarshal([]byte(param.String), &r.Params); err != nil {
			return nil, fmt.Errorf("run %d: params: %w", r.ID, err)
		}
	}
	if summ.Valid {
		var err error
		if r.Summary, err = decodeSummary(summ.String); err != nil {
			return nil, fmt.Errorf("run %d: summary: %w", r.ID, err)
		}
	}
	return &r, nil
}

func validateRun(r *record.Run) error {
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
	return jsonText("summary", out)
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

// encodeParams returns p as a JSON object, or nil (NULL) if p is empty.
func encodeParams(p map[string]any) (any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	return jsonText("params", p)
}

// jsonText returns v, the value of column name, as JSON text.
func jsonText(name string, v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return string(b), nil
}
