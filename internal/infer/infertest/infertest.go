// Package infertest trains small models and exports them as model folders,
// in process and without a database, for the tests of the packages that
// load them (predict, examples/predictserver).
package infertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/train"
)

// Export trains the config file cfgPath and exports its best epoch to the
// model folder out; it returns the epochs' records.
func Export(t testing.TB, cfgPath, out string) []record.Epoch {
	t.Helper()
	src, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(cfgPath, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set, err := cfg.Data.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	be, err := model.NewBackend(cfg.Backend)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	best := record.NewBest(cfg.BestMetric())
	res := train.Run(ctx, cfg, set, train.Options{Backend: be, SaveBest: func(ep train.Epoch, c *mlctx.Context) error {
		if !best.Observe(ep.Record) {
			return nil
		}
		return checkpoint.SaveBest(dir, ep.Record.Epoch, c)
	}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	pre, err := infer.RunPreprocessing(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := checkpoint.BestPath(dir, best.Epoch)
	m, err := infer.Open(cfg, pre, path)
	if err != nil {
		t.Fatal(err)
	}
	b := &infer.Best{RunID: 1, Epoch: best.Epoch, Metric: best.Metric, Value: best.Value, Path: path}
	if err := infer.Export(m, b, cfg.Name, out); err != nil {
		t.Fatal(err)
	}
	var epochs []record.Epoch
	for _, ep := range res.Epochs {
		epochs = append(epochs, ep.Record)
	}
	return epochs
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
