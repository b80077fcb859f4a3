// Package infertest trains small models with package runner, in process,
// and exports their best epochs as model folders, for the tests of the
// packages that load them (infer, predict, the CLI, examples/predictserver).
package infertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/results"
	"github.com/exp-runner/exp/runner"
)

// Export trains the config file cfgPath into a temporary database and
// exports its best epoch to the model folder out; it returns the epochs'
// records.
func Export(t testing.TB, cfgPath, out string) []record.Epoch {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "runs.db")
	o, err := runner.Run(ctx, cfgPath, runner.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	r := o.Trials[0]
	if r.Status != results.StatusCompleted {
		t.Fatalf("%s: run %d %s: %s", cfgPath, r.ID, r.Status, r.Error)
	}
	rs, err := results.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	epochs, err := rs.Epochs(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := export(r, epochs, filepath.Dir(cfgPath), db, out); err != nil {
		t.Fatal(err)
	}
	records := make([]record.Epoch, len(epochs))
	for i, e := range epochs {
		records[i] = *e
	}
	return records
}

// export writes run r's best model (its checkpoints beside the database
// db) to the folder out; dir is the folder its config's relative paths
// resolve against.
func export(r *results.Run, epochs []*results.Epoch, dir, db, out string) error {
	cfg, err := config.ParseIn(dir, fmt.Sprintf("run %d's config", r.ID), []byte(r.ConfigYAML), nil)
	if err != nil {
		return err
	}
	best, err := infer.FindBest(r, cfg, epochs, filepath.Join(filepath.Dir(db), "runs-checkpoints"))
	if err != nil {
		return err
	}
	pre, err := infer.RunPreprocessing(r, cfg)
	if err != nil {
		return err
	}
	m, err := infer.Open(cfg, pre, best.Path)
	if err != nil {
		return err
	}
	return infer.Export(m, best, cfg.Name, out)
}

// WriteCSV writes text to name in dir and returns its path.
func WriteCSV(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
