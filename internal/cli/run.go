package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/sweep"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
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
(Ctrl-C: finished epochs are kept, and the next run resumes).

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
	db := fs.String("db", "", "")
	epochs := fs.String("epochs", "", "")
	jobs := fs.Int("jobs", 0, "")
	threadsFlag := fs.Int("threads", 0, "")
	ckpt := fs.String("checkpoints", "", "")
	fresh := fs.Bool("new", false, "")
	retry := fs.Bool("retry-failed", false, "")
	maxTrials := fs.Int("max-trials", plan.DefaultMaxTrials, "")
	lease := fs.Duration("lease", 60*time.Second, "")
	force := fs.Bool("force", false, "")
	var sets multiFlag
	fs.Var(&sets, "set", "")
	pos, err := m.parse(fs, "run", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp run: expected one config file, got %d arguments\nUsage: exp run FILE [flags]; see 'exp help run'", len(pos))
	}
	if *jobs < 0 || *threadsFlag < 0 || *maxTrials < 1 {
		return usageError("exp run: --jobs must be ≥ 1 (or 0: one per core), --max-trials ≥ 1, --threads ≥ 0")
	}
	// The datasets count --jobs copies of their data (0, one per core,
	// counts one); the models' estimates below count the trials run at once.
	mem := registry.MemoryPolicy{Copies: *jobs, Force: *force, Total: meminfo.Total()}
	if *jobs == 0 {
		*jobs = runtime.NumCPU()
	}
	p, err := loadPlan(pos[0], overrides(sets, *epochs), plan.Options{MaxTrials: *maxTrials, Memory: mem})
	if err != nil {
		return err
	}
	mems, err := trialMemory(ctx, p)
	if err != nil {
		return err
	}
	refuse, estimate := memoryCheck(p, mems, min(*jobs, len(p.Trials)), *force, mem.Total)
	if !p.Sweep {
		if msg := refuse(p.Trials[0]); msg != "" {
			return usageError("exp run: %s", msg)
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(m.Stderr, "exp: warning: %s\n", w)
	}
	dbPath := m.dbPath(*db)
	store, err := resultdb.Open(ctx, dbPath)
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	rep, err := sweep.Open(ctx, store, p, *fresh)
	if err != nil {
		return err
	}
	writePlan(m.Stdout, rep, p.File)
	exe, err := m.exe()
	if err != nil {
		return err
	}
	checkpoints, leaseFor, err := sweepPlaces(dbPath, *ckpt, *lease)
	if err != nil {
		return err
	}
	start := time.Now()
	final, runErr := sweep.Run(ctx, rep, p, sweep.Options{
		Store: store, DB: dbPath, Checkpoints: checkpoints, Jobs: *jobs, Threads: *threadsFlag,
		RetryFailed: *retry, Exe: exe, Env: m.ChildEnv, Stdout: m.Stdout, Stderr: m.Stderr,
		PassThrough: m.PassThrough, Lease: leaseFor, Refuse: refuse, Estimate: estimate,
	})
	if final != nil {
		err := writeOutcome(context.WithoutCancel(ctx), store, final, m.Stdout, m.Stderr, time.Since(start), m.isTerminal(m.Stdout))
		if err != nil {
			return err
		}
	}
	return m.runExit(ctx, final, runErr)
}

// sweepPlaces returns where the trials keep their checkpoints and the lease
// of their claims (0: lock files). A PostgreSQL database needs a shared
// checkpoints folder and a lease of at least 3 s; a SQLite one uses lock
// files, and keeps the checkpoints beside the database by default.
func sweepPlaces(dbPath, checkpoints string, lease time.Duration) (string, time.Duration, error) {
	switch {
	case resultdb.IsPostgres(dbPath):
		if checkpoints == "" {
			return "", 0, usageError("exp run: with a PostgreSQL database, --checkpoints DIR is required: a folder every worker can read and write (a shared filesystem), so that a trial can resume on another machine")
		}
		if lease < 3*time.Second {
			return "", 0, usageError("exp run: --lease must be at least 3s, got %s", lease)
		}
		return checkpoints, lease, nil
	case checkpoints == "":
		checkpoints = strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-checkpoints"
	}
	return checkpoints, 0, nil
}

// runExit is exp run's result once the sweep is over: interrupted, the
// error that stopped it, or failed if a trial failed or diverged.
func (m *Main) runExit(ctx context.Context, final *sweep.Report, runErr error) error {
	switch {
	case ctx.Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: run the same command again to resume")}
	case runErr != nil:
		return runErr
	}
	c := final.Counts()
	if c[record.StatusFailed]+c[record.StatusDiverged] > 0 {
		return &ExitError{Code: ExitFailed}
	}
	if c[record.StatusRunning] > 0 {
		fmt.Fprintf(m.Stdout, "%d trial(s) are being run by another exp process\n", c[record.StatusRunning])
	}
	return nil
}

// loadPlan expands the config file into trials, building their models
// with model.NewBackend; every problem is a usage error.
func loadPlan(path string, o []config.Override, opts plan.Options) (*plan.Plan, error) {
	opts.NewBackend = model.NewBackend
	p, err := plan.Load(path, o, opts)
	var errs yamlx.ErrorList
	switch {
	case errors.As(err, &errs):
		return nil, &ExitError{Code: ExitUsage, Err: errs}
	case errors.Is(err, os.ErrNotExist):
		return nil, usageError("exp: config file %s does not exist", path)
	case err != nil:
		return nil, usageError("exp: %v", err)
	}
	return p, nil
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
