package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/sweep"
	"github.com/exp-runner/exp/registry"
)

func init() {
	register("trial", &command{
		hidden:  true,
		summary: "run one claimed trial (started by exp run)",
		usage: `Usage: exp trial [--db PATH] --run ID --checkpoints DIR --owner TOKEN [--lease D]

Runs one trial of a sweep, resuming from its last finished epoch. exp run
starts it in a child process, handing it the trial's lock; it is not meant to
be run by hand. With EXP_DEBUG=1 in the environment (children inherit
exp run's), a failure caused by a panic carries its stack trace.
`,
		run: (*Main).runTrial,
	})
}

func (m *Main) runTrial(ctx context.Context, args []string) error {
	fs := m.newFlagSet("trial")
	db := fs.String("db", "", "")
	id := fs.Int64("run", 0, "")
	ckpt := fs.String("checkpoints", "", "")
	owner := fs.String("owner", "", "")
	lease := fs.Duration("lease", 0, "")
	if _, err := m.parse(fs, "trial", args); err != nil {
		return err
	}
	if *db == "" {
		*db = m.getenv("EXP_DB")
	}
	if *db == "" || *id <= 0 || *ckpt == "" || *owner == "" {
		return usageError("exp trial: --db (or $EXP_DB), --run, --checkpoints and --owner are required")
	}
	if *lease == 0 {
		fd, err := strconv.Atoi(m.getenv("EXP_LOCK_FD"))
		if err != nil || !sweep.HoldsLock(uintptr(fd), *ckpt, *id) {
			return usageError("exp trial: run %d's lock was not handed over; trials are started by exp run", *id)
		}
	}
	store, err := resultdb.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	opts := sweep.TrialOptions{Store: store, RunID: *id, Owner: *owner, Lease: *lease, Checkpoints: *ckpt, NewBackend: model.NewBackend, Log: m.Stdout,
		Stack: m.getenv("EXP_DEBUG") == "1",
		// exp run checked that the data fits, counting every trial process.
		Memory: registry.MemoryPolicy{Force: true}}
	if m.isTerminal(m.Stderr) {
		opts.Progress = m.Stderr
	}
	status, err := sweep.RunTrial(ctx, opts)
	if errors.Is(err, resultdb.ErrLeaseLost) {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("run %d: %v; this worker abandons it", *id, err)}
	}
	if err != nil {
		return err
	}
	switch status {
	case record.StatusCompleted, record.StatusPruned:
		return nil
	case record.StatusInterrupted:
		return &ExitError{Code: ExitInterrupted}
	}
	// The error message is a courtesy: without the run (err != nil) the exit
	// code alone says the trial failed.
	r, err := store.Run(context.WithoutCancel(ctx), *id)
	if err == nil && r.Error != "" {
		fmt.Fprintf(m.Stderr, "run %d %s: %s\n", *id, status, firstLine(r.Error))
	}
	return &ExitError{Code: ExitFailed}
}
