package cli

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/exp-runner/exp/config"
	"github.com/exp-runner/exp/results"
	"github.com/exp-runner/exp/runner"
)

func init() {
	register("run", &command{
		summary: "train the model a config file describes, recording every epoch",
		usage: `Usage: exp run FILE [--db PATH] [--epochs N] [--set key.path=value]...

Trains the model described by FILE and records the run and each finished
epoch's metrics in the results database. On a terminal a progress bar shows
each epoch; a Keras-like line follows it.

Flags:
	--db PATH        results database (default $EXP_DB, else ./runs.db)
	--epochs N       train for N epochs: the same as --set train.epochs=N
	--set KEY=VALUE  override a config value; KEY is a key path such as
	                 train.learning_rate or model.layers[1].units, VALUE a YAML
	                 scalar; repeatable

Exit status: 0 completed, 1 failed or diverged, 2 config or data error,
130 interrupted (Ctrl-C: the run is recorded as interrupted, finished epochs
are kept).

Examples:
	exp run configs/mlp.yaml
	exp run configs/cnn.yaml --epochs 2
	exp run configs/mlp.yaml --set train.learning_rate=1e-3 --set data.train_examples=2000
	exp run configs/linear.yaml --db /tmp/linear.db
`,
		run: (*Main).runRun,
	})
}

func (m *Main) runRun(ctx context.Context, args []string) error {
	fs := m.newFlagSet("run")
	db := fs.String("db", "", "")
	epochs := fs.String("epochs", "", "")
	var sets multiFlag
	fs.Var(&sets, "set", "")
	pos, err := m.parse(fs, "run", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp run: expected one config file, got %d arguments\nUsage: exp run FILE [--db PATH] [--epochs N] [--set key.path=value]...", len(pos))
	}
	p, err := prepare(pos[0], overrides(sets, *epochs))
	if err != nil {
		return err
	}
	cfg := p.cfg
	set, err := loadData(ctx, cfg)
	if err != nil {
		return err
	}
	store, err := results.Open(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()

	run := &results.Run{
		Name: cfg.Name, ModelName: cfg.Model.Name, ConfigYAML: cfg.YAML(), ConfigHash: cfg.Hash(),
		Seed: cfg.Train.Seed, Backend: cfg.Backend, Optimizer: cfg.Train.Optimizer.Name,
		LearningRate: cfg.Train.LearningRate, BatchSize: cfg.Train.BatchSize, Epochs: cfg.Train.Epochs,
		Threads: threads(),
	}
	if err := store.CreateRun(ctx, run); err != nil {
		return err
	}
	val := "no validation"
	if set.Val != nil {
		val = fmt.Sprintf("%d validation", set.Val.N)
	}
	fmt.Fprintf(m.Stdout, "run %d: %s (model %s, %d params) on %s: %d training / %s examples; backend %s; db %s\n",
		run.ID, cfg.Name, cfg.Model.Name, p.summary.Total, cfg.Data.Dataset, set.Train.N, val, cfg.Backend, store.Path())

	opts := runner.Options{
		Backend: p.backend,
		Log:     m.Stdout,
		OnEpoch: func(ep runner.Epoch) error {
			return store.AddEpoch(context.WithoutCancel(ctx), &results.Epoch{
				RunID: run.ID, Epoch: ep.Epoch, Loss: ep.Loss, Accuracy: ep.Accuracy,
				ValLoss: ep.ValLoss, ValAccuracy: ep.ValAccuracy, Seconds: ep.Seconds,
				MsPerStep: ep.MsPerStep, ExamplesPerSecond: ep.ExamplesPerSecond,
			})
		},
	}
	if m.isTerminal(m.Stderr) {
		opts.Progress = m.Stderr
	}
	start := time.Now()
	res := runner.Run(ctx, cfg, set, opts)
	bg := context.WithoutCancel(ctx)
	if len(res.Summary) > 0 {
		if err := store.SetSummary(bg, run.ID, res.Summary); err != nil {
			return err
		}
	}
	msg := ""
	if res.Err != nil {
		msg = res.Err.Error()
	}
	if err := store.FinishRun(bg, run.ID, results.Status(res.Status), msg); err != nil {
		return err
	}
	m.printOutcome(run.ID, res, time.Since(start))
	switch res.Status {
	case runner.Completed:
		return nil
	case runner.Interrupted:
		return &ExitError{Code: ExitInterrupted}
	default:
		return &ExitError{Code: ExitFailed}
	}
}

func (m *Main) printOutcome(id int64, res *runner.Result, took time.Duration) {
	w := m.Stdout
	if res.Status != runner.Completed {
		w = m.Stderr
	}
	fmt.Fprintf(w, "run %d %s after %d epoch(s) in %s", id, res.Status, len(res.Epochs), took.Round(time.Second))
	if res.Err != nil {
		fmt.Fprintf(w, ": %v", res.Err)
	}
	fmt.Fprintln(w)
	best, bestEpoch := -1.0, 0
	for _, ep := range res.Epochs {
		if ep.ValAccuracy != nil && *ep.ValAccuracy > best {
			best, bestEpoch = *ep.ValAccuracy, ep.Epoch
		}
	}
	if bestEpoch > 0 {
		fmt.Fprintf(w, "best val_accuracy %.4f at epoch %d\n", best, bestEpoch)
	}
	if s := res.Summary; s != nil {
		if w0, ok := s["w"]; ok {
			fmt.Fprintf(w, "fitted: w = %.4f, b = %.4f", w0, s["b"])
			if _, ok := s["ols_w"]; ok {
				fmt.Fprintf(w, " (least squares: w = %.4f, b = %.4f; generating: w = %g, b = %g)", s["ols_w"], s["ols_b"], s["true_w"], s["true_b"])
			}
			fmt.Fprintln(w)
		}
	}
}

// threads is the thread budget the run gets: GOMAXPROCS.
func threads() int { return runtime.GOMAXPROCS(0) }

// overrides returns the config overrides of --set flags and --epochs.
func overrides(sets []string, epochs string) []config.Override {
	o := config.Sets(sets)
	if epochs != "" {
		o = append(o, config.Override{Label: "--epochs", Expr: "train.epochs=" + epochs})
	}
	return o
}
