package sweep

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/results"
)

// Options configures Run.
type Options struct {
	Store       results.Store
	DB          string // the database path, for the child processes
	Checkpoints string // checkpoints root
	Jobs        int    // trials at once (≥ 1)
	// Threads is each child's GOMAXPROCS (0: the cores divided among the jobs).
	Threads int
	// New starts a fresh sweep instead of resuming the file's latest.
	New bool
	// RetryFailed runs failed and diverged trials again.
	RetryFailed bool
	// Exe and Env start a child: Exe trial --db DB --run ID --checkpoints DIR,
	// with Env added to this process's environment.
	Exe string
	Env []string
	// Stdout and Stderr get the sweep's messages; children's output is
	// passed through (one job) or prefixed with the trial number.
	Stdout, Stderr io.Writer
	// PassThrough gives a single child this process's own stdout and stderr
	// (so its progress bar reaches the terminal).
	PassThrough bool
	// Lease, if > 0, claims trials with leases that the children renew
	// (PostgreSQL, many machines); 0 uses per-trial lock files instead (one
	// machine).
	Lease time.Duration
}

// Report is the state of a sweep's planned trials after Run.
type Report struct {
	Sweep  *results.Sweep
	Trials []*results.Run // the plan's trials, in plan order
	Added  []*results.Run
}

// Counts returns how many of the trials are in each status.
func (r *Report) Counts() map[results.Status]int {
	c := map[results.Status]int{}
	for _, t := range r.Trials {
		c[t.Status]++
	}
	return c
}

// Params formats a trial's axis values: "variant=cnn train.learning_rate=0.001".
func Params(p *plan.Trial) string {
	var parts []string
	for _, kv := range p.Params {
		parts = append(parts, fmt.Sprintf("%s=%v", kv.Path, report.FormatValue(kv.Value)))
	}
	return strings.Join(parts, " ")
}

// Open records p's sweep and trials in the store: the file's latest sweep
// (or a new one with fresh), with a pending row for each trial it does not
// hold yet.
func Open(ctx context.Context, store results.Store, p *plan.Plan, fresh bool) (*Report, error) {
	file, err := filepath.Abs(p.File)
	if err != nil {
		return nil, err
	}
	prune := ""
	if p.Spec != nil && p.Spec.Prune != nil {
		b, err := json.Marshal(p.Spec.Prune)
		if err != nil {
			return nil, err
		}
		prune = string(b)
	}
	sw, _, err := store.OpenSweep(ctx, p.Name, file, p.Hash(), prune, fresh)
	if err != nil {
		return nil, err
	}
	runs := make([]*results.Run, len(p.Trials))
	for i, t := range p.Trials {
		c := t.Config
		params := map[string]any{}
		for _, kv := range t.Params {
			params[kv.Path] = kv.Value
		}
		runs[i] = &results.Run{
			Name: c.Name, ModelName: c.Model.Name, ConfigYAML: c.YAML(), ConfigHash: c.Hash(),
			Seed: c.Train.Seed, Backend: c.Backend, Optimizer: c.Train.Optimizer.Name,
			LearningRate: c.Train.LearningRate, BatchSize: c.Train.BatchSize, Epochs: c.Train.Epochs,
			Variant: t.Variant, Params: params,
		}
	}
	all, added, err := store.PlanTrials(ctx, sw.ID, runs)
	if err != nil {
		return nil, err
	}
	return &Report{Sweep: sw, Trials: all, Added: added}, nil
}

// Run runs the claimable trials of rep (pending, interrupted, or running
// with a dead worker; failed and diverged too with RetryFailed) in child
// processes, up to opts.Jobs at once, until none is left or ctx is
// cancelled, and returns the trials' final state.
func Run(ctx context.Context, rep *Report, p *plan.Plan, opts Options) (*Report, error) {
	store := opts.Store
	if opts.Jobs < 1 {
		opts.Jobs = 1
	}
	byID := map[int64]*plan.Trial{}
	var ids []int64
	for i, r := range rep.Trials {
		byID[r.ID] = p.Trials[i]
		if opts.RetryFailed && (r.Status == results.StatusFailed || r.Status == results.StatusDiverged) {
			if err := store.FinishTrial(ctx, r.ID, "", results.Outcome{Status: results.StatusInterrupted, StopReason: "to be retried"}); err != nil {
				return nil, err
			}
		}
		ids = append(ids, r.ID)
	}
	// The cores are shared among the jobs, the same way on every attempt so
	// that a resumed trial runs with the thread count it started with
	// (results can depend on it); a sweep of one trial gets them all.
	threads := opts.Threads
	if threads <= 0 {
		threads = max(1, runtime.NumCPU()/max(1, min(opts.Jobs, len(rep.Trials))))
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		running = map[int64]*exec.Cmd{}
		done    = make(chan struct{}, opts.Jobs)
		out     = &lockedWriter{w: opts.Stdout}
	)
	stopChildren := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range running {
			if c.Process != nil {
				c.Process.Signal(syscall.SIGTERM)
			}
		}
	}
	go func() {
		<-ctx.Done()
		stopChildren()
	}()
	var runErr error
	waiting := false
	// poll is how often a worker with nothing to do looks for trials whose
	// worker died: a third of the lease, or a lock check every 2 s.
	poll := 2 * time.Second
	if opts.Lease > 0 {
		poll = opts.Lease / 3
	}
	for ctx.Err() == nil {
		mu.Lock()
		n := len(running)
		mu.Unlock()
		if n >= opts.Jobs {
			<-done
			continue
		}
		var lockFile *os.File
		claim := results.Claim{Owner: newToken(), Lease: opts.Lease}
		if opts.Lease == 0 {
			claim.Lock = func(r *results.Run) bool {
				// A running trial is another worker's unless its lock is free.
				f, err := tryLock(opts.Checkpoints, r.ID)
				if err != nil || f == nil {
					return false
				}
				lockFile = f
				return true
			}
		} else if err := os.MkdirAll(opts.Checkpoints, 0o755); err != nil {
			runErr = err
			break
		}
		claimed, err := store.ClaimTrial(ctx, ids, claim)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			runErr = err
			break
		}
		if claimed == nil {
			if n > 0 {
				<-done // wait for a child, then look again
				continue
			}
			// Nothing to claim now, nothing of ours running: wait while other
			// workers run trials of the sweep, so that a trial whose worker
			// dies is taken over here.
			others, err := runningElsewhere(ctx, store, rep)
			if err != nil || others == 0 {
				runErr = err
				break
			}
			if !waiting {
				fmt.Fprintf(out, "waiting for %d trial(s) that other workers are running\n", others)
				waiting = true
			}
			select {
			case <-ctx.Done():
			case <-time.After(poll):
			}
			continue
		}
		waiting = false
		t := byID[claimed.ID]
		what := "starting"
		if claimed.Attempts > 1 {
			what = "resuming"
		}
		fmt.Fprintf(out, "trial %d/%d (run %d) %s: %s\n", t.Index, len(p.Trials), claimed.ID, what, describe(t))
		// The database goes in the environment, not on the command line,
		// where a password in its URL would show in ps.
		cmd := exec.Command(opts.Exe, "trial", "--run", fmt.Sprint(claimed.ID), "--checkpoints", opts.Checkpoints,
			"--owner", claim.Owner, "--lease", opts.Lease.String())
		cmd.Env = append(append(os.Environ(), opts.Env...), fmt.Sprintf("GOMAXPROCS=%d", threads), "EXP_DB="+opts.DB)
		if lockFile != nil {
			cmd.Env = append(cmd.Env, "EXP_LOCK_FD=3")
			cmd.ExtraFiles = []*os.File{lockFile}
		}
		var pipes []io.ReadCloser
		if opts.PassThrough && min(opts.Jobs, len(rep.Trials)) == 1 {
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		} else {
			so, _ := cmd.StdoutPipe()
			se, _ := cmd.StderrPipe()
			pipes = []io.ReadCloser{so, se}
		}
		if err := cmd.Start(); err != nil {
			if lockFile != nil {
				lockFile.Close()
			}
			store.FinishTrial(context.WithoutCancel(ctx), claimed.ID, claim.Owner, results.Outcome{Status: results.StatusFailed, Error: "starting the trial process: " + err.Error()})
			runErr = err
			break
		}
		if lockFile != nil {
			lockFile.Close() // the child holds the lock now
		}
		mu.Lock()
		running[claimed.ID] = cmd
		mu.Unlock()
		prefix := fmt.Sprintf("[%d] ", t.Index)
		var copies sync.WaitGroup
		for i, pipe := range pipes {
			w := io.Writer(out)
			if i == 1 {
				w = &lockedWriter{w: opts.Stderr}
			}
			copies.Add(1)
			go func() {
				defer copies.Done()
				prefixLines(w, pipe, prefix)
			}()
		}
		wg.Add(1)
		go func(id int64, owner string, cmd *exec.Cmd) {
			defer wg.Done()
			copies.Wait()
			err := cmd.Wait()
			bg := context.WithoutCancel(ctx)
			if r, rerr := store.Run(bg, id); rerr == nil && r.Status == results.StatusRunning && r.Owner == owner {
				// The child died without recording an outcome.
				msg := "the trial process died"
				if err != nil {
					msg += ": " + err.Error()
				}
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					msg += " (killed: out of memory?)"
				}
				status := results.StatusFailed
				if ctx.Err() != nil {
					status = results.StatusInterrupted
				}
				store.FinishTrial(bg, id, owner, results.Outcome{Status: status, Error: msg})
			}
			mu.Lock()
			delete(running, id)
			mu.Unlock()
			done <- struct{}{}
		}(claimed.ID, claim.Owner, cmd)
	}
	wg.Wait()
	final, err := store.Trials(context.WithoutCancel(ctx), rep.Sweep.ID)
	if err != nil {
		return nil, err
	}
	byRun := map[int64]*results.Run{}
	for _, r := range final {
		byRun[r.ID] = r
	}
	out2 := &Report{Sweep: rep.Sweep, Added: rep.Added}
	for _, r := range rep.Trials {
		out2.Trials = append(out2.Trials, byRun[r.ID])
	}
	return out2, runErr
}

// runningElsewhere counts the plan's trials that are running under some
// other worker.
func runningElsewhere(ctx context.Context, store results.Store, rep *Report) (int, error) {
	trials, err := store.Trials(ctx, rep.Sweep.ID)
	if err != nil {
		return 0, err
	}
	planned := map[int64]bool{}
	for _, r := range rep.Trials {
		planned[r.ID] = true
	}
	n := 0
	for _, r := range trials {
		if planned[r.ID] && r.Status == results.StatusRunning {
			n++
		}
	}
	return n, nil
}

// newToken returns a fresh owner token for a claim.
func newToken() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func describe(t *plan.Trial) string {
	s := Params(t)
	if s == "" {
		return t.Config.Model.Name
	}
	return s
}

// prefixLines copies r to w line by line, each line prefixed.
func prefixLines(w io.Writer, r io.Reader, prefix string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
