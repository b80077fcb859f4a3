package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("show", &command{
		summary: "show one run: its resolved config and every epoch",
		usage: `Usage: exp show [--db PATH] RUN

Shows a run: its status and times, its sweep and trial, the resolved config
it trained with (every default filled in), a table of its epochs, where its
best model is and from which epoch, for classification the per-class
precision, recall, F1 and support of its best epoch with the confusion
matrix, and its evaluations (exp evaluate). RUN is a run's id, or a name
that only one run has.

Flags:
	--db PATH           results database (default $EXP_DB, else ./runs.db)
	--checkpoints DIR   the runs' checkpoints (default: beside the database)

Examples:
	exp show 3
	exp show mlp
`,
		run: (*Main).runShow,
	})
}

func (m *Main) runShow(ctx context.Context, args []string) error {
	fs := m.newFlagSet("show")
	db, ckpt := fs.String("db", "", ""), fs.String("checkpoints", "", "")
	pos, err := m.parse(fs, "show", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp show: expected one run (an id or a name), got %d arguments", len(pos))
	}
	store, err := resultdb.OpenExisting(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	r, err := findRun(ctx, store, pos[0])
	if err != nil {
		return err
	}
	eps, err := store.Epochs(ctx, r.ID)
	if err != nil {
		return err
	}
	if err := report.WriteRun(m.Stdout, r, eps); err != nil {
		return err
	}
	root, err := checkpointsRoot(store.Path(), *ckpt)
	if err != nil {
		return err
	}
	return report.WriteRunPrediction(ctx, m.Stdout, store, r, root)
}

// runFinder is what findRun reads.
type runFinder interface {
	Path() string
	Run(ctx context.Context, id int64) (*record.Run, error)
	RunsByName(ctx context.Context, name string) ([]*record.Run, error)
}

// findRun finds a run by id, or by a name only one run has.
func findRun(ctx context.Context, store runFinder, ref string) (*record.Run, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		r, err := store.Run(ctx, id)
		if errors.Is(err, resultdb.ErrNotFound) {
			return nil, usageError("exp: no run %d in %s", id, store.Path())
		}
		return r, err
	}
	runs, err := store.RunsByName(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch len(runs) {
	case 0:
		return nil, usageError("exp: no run named %q in %s", ref, store.Path())
	case 1:
		return runs[0], nil
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = fmt.Sprint(r.ID)
	}
	return nil, usageError("exp: %d runs are named %q (ids %s): give an id", len(runs), ref, strings.Join(ids, ", "))
}
