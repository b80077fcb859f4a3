package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/sweep"
	"github.com/exp-runner/exp/registry"
	"github.com/exp-runner/exp/results"

	// Everything a config can name registers itself.
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	_ "github.com/exp-runner/exp/internal/optim"
	_ "github.com/exp-runner/exp/internal/xla"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

// DefaultMaxTrials is the largest sweep Run accepts unless
// Options.MaxTrials says otherwise.
const DefaultMaxTrials = plan.DefaultMaxTrials

// Options configures Run. The zero value runs the file's trials in this
// process, one at a time, into ./runs.db, printing nothing.
type Options struct {
	// DB is the results database: a SQLite file (created if needed) or a
	// PostgreSQL URL, postgres://user@host/db (default "runs.db").
	DB string
	// Set overrides config values in every trial, each "key.path=value"
	// (VALUE a YAML scalar), as exp run's --set does; errors name them
	// "--set #N".
	Set []string
	// Epochs, if > 0, is every trial's train.epochs (exp run's --epochs).
	Epochs int
	// Jobs is how many trials run at once, each in its own process
	// (default: one per core). Trials run in this process (Exe empty) run
	// one at a time.
	Jobs int
	// Threads is each trial process's GOMAXPROCS (default: the cores
	// divided among the trials run at once). Trials run in this process
	// use its own.
	Threads int
	// Checkpoints is where trials keep their checkpoints (default: beside
	// a SQLite database, DB-checkpoints; required with PostgreSQL).
	Checkpoints string
	// New starts a fresh sweep rather than continuing the file's last one.
	New bool
	// RetryFailed runs failed and diverged trials again.
	RetryFailed bool
	// MaxTrials refuses sweeps with more trials (default DefaultMaxTrials).
	MaxTrials int
	// Force runs what would not fit in the machine's memory by the
	// estimates, which is otherwise refused.
	Force bool
	// Lease is how long a PostgreSQL worker's claim on a trial holds
	// without a heartbeat (default 60s).
	Lease time.Duration

	// Exe is the exp binary that runs each trial as a child process (exp
	// run's own executable). Empty, trials run in this process; see the
	// package documentation.
	Exe string
	// Env is added to the trial processes' environment.
	Env []string
	// PassThrough lets a single trial process write to this process's own
	// standard output and error, so that its progress bar reaches the
	// terminal.
	PassThrough bool

	// Stdout gets what exp run prints: the sweep's plan, a line as each
	// trial starts, each epoch's line, and the outcome's table (nil:
	// nothing). Stderr gets warnings, failed trials' errors and the trial
	// processes' own error output (nil: nothing).
	Stdout, Stderr io.Writer
	// Progress, if set, gets the progress bar of trials run in this
	// process (exp run's terminal).
	Progress io.Writer
	// Color highlights the best row of the outcome's table (a terminal).
	Color bool
}

// Outcome is how a sweep's trials stand after Run.
type Outcome struct {
	// Sweep is the sweep the file's trials belong to.
	Sweep *results.Sweep
	// Trials are its trials in plan order (a tpe sweep's: all of them),
	// as they ended; read their epochs with package results.
	Trials []*results.Run
	// Added are the trials this Run planned that the sweep did not hold.
	Added []*results.Run
	// Took is how long the trials ran.
	Took time.Duration
}

// Counts returns how many trials are in each status.
func (o *Outcome) Counts() map[results.Status]int {
	c := map[results.Status]int{}
	for _, t := range o.Trials {
		c[t.Status]++
	}
	return c
}

// Failed returns how many trials failed or diverged.
func (o *Outcome) Failed() int {
	c := o.Counts()
	return c[results.StatusFailed] + c[results.StatusDiverged]
}

// InputError is a problem with the config file, the data it names or the
// options, found before anything trained. Its message is exp run's.
type InputError struct{ Err error }

// Error returns Err's message.
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *InputError) Unwrap() error { return e.Err }

// inputErrorf returns an *InputError with a formatted message.
func inputErrorf(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// Run runs the config file's trials that are not done yet, as exp run
// does, and returns how they stand. An error that stopped the sweep comes
// with the outcome so far, if there is one; a trial that failed is not an
// error (see Outcome.Failed).
func Run(ctx context.Context, file string, o Options) (*Outcome, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &run{o: o}
	if err := r.prepare(ctx, file); err != nil {
		return nil, err
	}
	store, err := resultdb.Open(ctx, o.DB)
	if err != nil {
		return nil, inputErrorf("exp: %v", err)
	}
	defer store.Close()
	return r.sweep(ctx, store)
}

// withDefaults checks o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Jobs < 0 || o.Threads < 0 || o.MaxTrials < 0 || o.Epochs < 0 || o.Lease < 0 {
		return o, inputErrorf("exp run: --jobs must be ≥ 1 (or 0: one per core), --max-trials ≥ 1, --threads ≥ 0, --epochs ≥ 1")
	}
	if o.DB == "" {
		o.DB = "runs.db"
	}
	if o.MaxTrials == 0 {
		o.MaxTrials = DefaultMaxTrials
	}
	if o.Lease == 0 {
		o.Lease = 60 * time.Second
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o, nil
}

// run is one call of Run.
type run struct {
	o       Options
	jobs    int // trials at once
	plan    *plan.Plan
	memory  *memoryCheck
	places  string        // the checkpoints root
	leaseOf time.Duration // the claims' lease (0: lock files)
}

// prepare expands the file into its plan and checks that its trials fit
// in memory (a single trial that does not is an *InputError), printing
// the plan's warnings.
func (r *run) prepare(ctx context.Context, file string) error {
	o := r.o
	// The datasets count Jobs copies of their data (0, one per core,
	// counts one); the models' estimates count the trials run at once.
	mem := registry.MemoryPolicy{Copies: o.Jobs, Force: o.Force, Total: meminfo.Total()}
	r.jobs = o.Jobs
	switch {
	case o.Exe == "":
		r.jobs = 1
	case r.jobs == 0:
		r.jobs = runtime.NumCPU()
	}
	p, err := plan.Prepare(file, overrides(o.Set, o.Epochs), plan.Options{MaxTrials: o.MaxTrials, Memory: mem, Context: ctx})
	if err != nil {
		return inputError(err)
	}
	mems, err := p.Memory(ctx)
	if err != nil {
		return inputError(err)
	}
	r.plan = p
	r.memory = &memoryCheck{ctx: ctx, plan: p, mems: mems, jobs: min(r.jobs, len(p.Trials)), force: o.Force, total: mem.Total}
	if !p.Sweep {
		if msg := r.memory.refuse(p.Trials[0]); msg != "" {
			return inputErrorf("exp run: %s", msg)
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(o.Stderr, "exp: warning: %s\n", w)
	}
	r.places, r.leaseOf, err = sweep.Places(o.DB, o.Checkpoints, o.Lease)
	if err != nil {
		return inputErrorf("exp run: %v", err)
	}
	return nil
}

// sweep records the plan's sweep in store, runs its trials and prints
// the outcome.
func (r *run) sweep(ctx context.Context, store *resultdb.DB) (*Outcome, error) {
	o := r.o
	rep, err := sweep.Open(ctx, store, r.plan, o.New)
	if err != nil {
		return nil, err
	}
	writePlan(o.Stdout, rep, r.plan.File)
	start := time.Now()
	final, runErr := sweep.Run(ctx, rep, r.plan, sweep.Options{
		Store: store, DB: o.DB, Checkpoints: r.places, Jobs: r.jobs, Threads: o.Threads,
		RetryFailed: o.RetryFailed, Exe: o.Exe, Env: o.Env, Stdout: o.Stdout, Stderr: o.Stderr,
		PassThrough: o.PassThrough, Lease: r.leaseOf, Refuse: r.memory.refuse, Estimate: r.memory.estimate,
		InProcess: sweep.TrialOptions{
			NewBackend: model.NewBackend, Progress: o.Progress, Stack: os.Getenv("EXP_DEBUG") == "1",
			// The sizes were checked above, counting every trial at once.
			Memory: registry.MemoryPolicy{Force: true},
		},
	})
	if final == nil {
		if runErr == nil {
			runErr = ctx.Err() // cancelled before the trials' state could be read
		}
		return nil, runErr
	}
	out := &Outcome{Sweep: final.Sweep, Trials: final.Trials, Added: final.Added, Took: time.Since(start)}
	if err := writeOutcome(context.WithoutCancel(ctx), store, final, o.Stdout, o.Stderr, out.Took, o.Color); err != nil {
		return out, err
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	return out, runErr
}

// inputError returns err as an *InputError if the plan found it in the
// file or its data, else err itself (a cancelled context).
func inputError(err error) error {
	var pe *plan.InputError
	if errors.As(err, &pe) {
		return &InputError{Err: pe.Err}
	}
	return err
}

// overrides returns the config overrides of sets ("--set #N") and epochs
// ("--epochs", if > 0).
func overrides(sets []string, epochs int) []config.Override {
	o := config.Sets(sets)
	if epochs > 0 {
		o = append(o, config.Override{Label: "--epochs", Expr: "train.epochs=" + strconv.Itoa(epochs)})
	}
	return o
}
