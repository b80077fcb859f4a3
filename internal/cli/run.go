package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/runner"
)

func init() {
	register("run", &command{
		summary: "train a config file's model, or run its sweep, recording every epoch",
		usage: `Usage: exp run FILE [flags]

Trains the model described by FILE, or every trial of its sweep (variants:
and sweep:), recording each trial and each finished epoch's metrics in the
results database. Each trial runs in its own exp process; on a terminal a
progress bar shows each epoch and a Keras-like line follows it.

Running the same command again continues the same sweep: completed trials
are skipped, interrupted ones resume from their last finished epoch, and
trials the file gained are added. --new starts a fresh sweep instead.

Flags:
	--db PATH          results database: a SQLite file, or postgres://user@host/db to
	                   share a sweep among machines (default $EXP_DB, else ./runs.db)
	--epochs N         train for N epochs: the same as --set train.epochs=N
	--set KEY=VALUE    override a config value in every trial; KEY is a key
	                   path such as train.learning_rate or model.layers[1].units,
	                   VALUE a YAML scalar; repeatable
	--jobs N           trials to run at once, each in its own process (default:
	                   one per core)
	--threads N        threads (GOMAXPROCS) per trial (default: the cores divided
	                   among the trials running at once; one trial alone gets all)
	--checkpoints DIR  where trials keep their checkpoints (default: beside the
	                   database, DB-checkpoints/)
	--new              start a fresh sweep rather than continue the last one
	--retry-failed     run failed and diverged trials again
	--max-trials N     refuse sweeps with more trials (default 1000)
	--force            run anyway what would not fit in the machine's memory: a
	                   trial whose memory estimate (times the trials run at once)
	                   exceeds it, which is otherwise refused (recorded as failed;
	                   alone, exit status 2), and data from a user's files (csv,
	                   npz, images) that is otherwise refused before it is read
	--lease D          with a PostgreSQL database: how long a worker's claim on a
	                   trial holds without a heartbeat (default 60s; renewed every
	                   third of it); a trial whose worker died is taken over after it

Exit status: 0 every trial completed (or was pruned), 1 a trial failed or
diverged, 2 config or data error (before anything trains), 130 interrupted
by Ctrl-C, 143 stopped by SIGTERM (finished epochs are kept, and the next
run resumes).

Examples:
	exp run configs/mlp.yaml
	exp run configs/cnn.yaml --epochs 2
	exp run configs/mlp.yaml --set train.learning_rate=1e-3 --set data.train_examples=2000
	exp run configs/sweep.yaml --jobs 2 --set data.train_examples=20000 --set train.epochs=2
	exp run configs/sweep.yaml --new --db sweeps.db
`,
		run: (*Main).runRun,
	})
}

func (m *Main) runRun(ctx context.Context, args []string) error {
	fs := m.newFlagSet("run")
	var o runner.Options
	fs.StringVar(&o.DB, "db", "", "")
	epochs := fs.String("epochs", "", "")
	fs.IntVar(&o.Jobs, "jobs", 0, "")
	fs.IntVar(&o.Threads, "threads", 0, "")
	fs.StringVar(&o.Checkpoints, "checkpoints", "", "")
	fs.BoolVar(&o.New, "new", false, "")
	fs.BoolVar(&o.RetryFailed, "retry-failed", false, "")
	fs.IntVar(&o.MaxTrials, "max-trials", plan.DefaultMaxTrials, "")
	fs.DurationVar(&o.Lease, "lease", 60*time.Second, "")
	fs.BoolVar(&o.Force, "force", false, "")
	fs.Var((*multiFlag)(&o.Set), "set", "")
	pos, err := m.parse(fs, "run", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp run: expected one config file, got %d arguments\nUsage: exp run FILE [flags]; see 'exp help run'", len(pos))
	}
	if o.Jobs < 0 || o.Threads < 0 || o.MaxTrials < 1 {
		return usageError("exp run: --jobs must be ≥ 1 (or 0: one per core), --max-trials ≥ 1, --threads ≥ 0")
	}
	if o.Epochs, err = epochsFlag(*epochs); err != nil {
		return err
	}
	if o.Exe, err = m.exe(); err != nil {
		return err
	}
	o.DB = m.dbPath(o.DB)
	o.Env, o.PassThrough, o.Stdout, o.Stderr = m.ChildEnv, m.PassThrough, m.Stdout, m.Stderr
	o.Color = m.isTerminal(m.Stdout)
	out, err := runner.Run(ctx, pos[0], o)
	var ie *runner.InputError
	if errors.As(err, &ie) {
		return &ExitError{Code: ExitUsage, Err: ie.Err}
	}
	return m.runExit(ctx, out, err)
}

// epochsFlag returns the value of --epochs (0 when not given).
func epochsFlag(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, usageError("exp run: --epochs: must be a number of epochs ≥ 1, got %q", s)
	}
	return n, nil
}

// runExit is exp run's result once the sweep is over: interrupted, the
// error that stopped it, or failed if a trial failed or diverged.
func (m *Main) runExit(ctx context.Context, out *runner.Outcome, runErr error) error {
	switch {
	case ctx.Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: run the same command again to resume")}
	case runErr != nil:
		return runErr
	}
	if out.Failed() > 0 {
		return &ExitError{Code: ExitFailed}
	}
	if n := out.Counts()[record.StatusRunning]; n > 0 {
		fmt.Fprintf(m.Stdout, "%d trial(s) are being run by another exp process\n", n)
	}
	return nil
}

// loadPlan expands the config file into trials, building their models
// with model.NewBackend; every problem is a usage error.
func loadPlan(path string, o []config.Override, opts plan.Options) (*plan.Plan, error) {
	p, err := plan.Prepare(path, o, opts)
	var ie *plan.InputError
	if errors.As(err, &ie) {
		return nil, &ExitError{Code: ExitUsage, Err: ie.Err}
	}
	return p, err
}

// exe is the program that runs trials: this one.
func (m *Main) exe() (string, error) {
	if m.Exe != "" {
		return m.Exe, nil
	}
	return os.Executable()
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// overrides returns the config overrides of --set flags and --epochs.
func overrides(sets []string, epochs string) []config.Override {
	o := config.Sets(sets)
	if epochs != "" {
		o = append(o, config.Override{Label: "--epochs", Expr: "train.epochs=" + epochs})
	}
	return o
}
