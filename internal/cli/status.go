package cli

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("status", &command{
		summary: "show a sweep's progress: trials by state, best so far, throughput, ETA",
		usage: `Usage: exp status [--db PATH] [SWEEP]

Shows a sweep's trials by state, the best trial so far, its throughput
(epochs per hour) and an estimate of the time left, then each trial. SWEEP is
a sweep's id or name; without it, the latest sweep.

Flags:
	--db PATH   results database (default $EXP_DB, else ./runs.db)

Examples:
	exp status
	exp status sweep
	exp status --db sweeps.db 3
`,
		run: (*Main).runStatus,
	})
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Main) runStatus(ctx context.Context, args []string) error {
	fs := m.newFlagSet("status")
	db := fs.String("db", "", "")
	pos, err := m.parse(fs, "status", args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError("exp status: expected at most one sweep, got %d arguments", len(pos))
	}
	store, err := resultdb.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	ref := ""
	if len(pos) == 1 {
		ref = pos[0]
	}
	sw, err := findSweep(ctx, store, ref)
	if err != nil {
		return err
	}
	st, err := report.SweepStatus(ctx, store, sw, m.now())
	if err != nil {
		return err
	}
	return st.Write(m.Stdout)
}

// sweepFinder is what findSweep reads.
type sweepFinder interface {
	Path() string
	Sweep(ctx context.Context, id int64) (*record.Sweep, error)
	Sweeps(ctx context.Context) ([]*record.Sweep, error)
}

// findSweep finds a sweep by id or name (the latest of that name), or the
// latest sweep for "".
func findSweep(ctx context.Context, store sweepFinder, ref string) (*record.Sweep, error) {
	sweeps, err := store.Sweeps(ctx)
	if err != nil {
		return nil, err
	}
	if len(sweeps) == 0 {
		return nil, usageError("exp: no sweeps in %s yet", store.Path())
	}
	if ref == "" {
		return sweeps[len(sweeps)-1], nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		sw, err := store.Sweep(ctx, id)
		if errors.Is(err, resultdb.ErrNotFound) {
			return nil, usageError("exp: no sweep %d in %s", id, store.Path())
		}
		return sw, err
	}
	var names []string
	for i := len(sweeps) - 1; i >= 0; i-- {
		if sweeps[i].Name == ref {
			return sweeps[i], nil
		}
		names = append(names, sweeps[i].Name)
	}
	return nil, usageError("exp: no sweep named %q in %s (sweeps: %s)", ref, store.Path(), strings.Join(dedupe(names), ", "))
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
