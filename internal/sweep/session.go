package sweep

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
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
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// Options configures Run.
type Options struct {
	Store       *resultdb.DB
	DB          string // the database path, for the child processes
	Checkpoints string // checkpoints root
	Jobs        int    // trials at once (≥ 1)
	// Threads is each child's GOMAXPROCS (0: the cores divided among the jobs).
	Threads int
	// RetryFailed runs failed and diverged trials again.
	RetryFailed bool
	// Exe and Env start a child: Exe trial --db DB --run ID --checkpoints DIR,
	// with Env added to this process's environment. With Exe empty, trials
	// run in this process instead, one at a time whatever Jobs says, with
	// the same claims, locks and checkpoints (see InProcess).
	Exe string
	Env []string
	// InProcess configures the trials run in this process (Exe empty):
	// their backend and output. Its Store, RunID, Owner, Lease and
	// Checkpoints are set for each trial.
	InProcess TrialOptions
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
	// Refuse, if set, says why a trial must not start (its memory
	// estimate exceeds the machine's): it is recorded as failed with that
	// message instead, and the other trials run.
	Refuse func(t *plan.Trial) string
	// Estimate, if set, gives a trial's memory estimate, for the message
	// of a trial that ran out of memory.
	Estimate func(t *plan.Trial) string
}

// Report is the state of a sweep's planned trials after Run.
type Report struct {
	Sweep  *record.Sweep
	Trials []*record.Run // the plan's trials, in plan order
	Added  []*record.Run
	// Budget is a tpe sweep's samples (0 for other sweeps): its trials are
	// all the sweep's, proposed as results arrive.
	Budget int
}

// Counts returns how many of the trials are in each status.
func (r *Report) Counts() map[record.Status]int {
	c := map[record.Status]int{}
	for _, t := range r.Trials {
		c[t.Status]++
	}
	return c
}

// Open records p's sweep and trials in the store: the file's latest sweep
// (or a new one with fresh), with a pending row for each trial it does not
// hold yet.
func Open(ctx context.Context, store *resultdb.DB, p *plan.Plan, fresh bool) (*Report, error) {
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
	if p.Search() != nil {
		return openSearch(ctx, store, sw, p)
	}
	runs := make([]*record.Run, len(p.Trials))
	for i, t := range p.Trials {
		if runs[i], err = trialRun(t); err != nil {
			return nil, err
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
// cancelled, and returns the trials' final state. Cancelling ctx sends
// SIGTERM to the running children, and Run returns once they have ended.
func Run(ctx context.Context, rep *Report, p *plan.Plan, opts Options) (*Report, error) {
	s, err := newSession(ctx, rep, p, opts)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, s.stopChildren)
	runErr := s.loop()
	s.children.Wait()
	stop()
	final, err := s.final()
	if err != nil {
		return nil, errors.Join(runErr, s.reapErr(), err)
	}
	return final, errors.Join(runErr, s.reapErr())
}

// session is one call of Run: the trials it may claim, the children it has
// started, and the errors of reaping them.
type session struct {
	ctx     context.Context
	opts    Options
	rep     *Report
	plan    *plan.Plan
	byID    map[int64]*plan.Trial // the plan's trial of each run id
	ids     []int64               // the run ids of the plan's trials
	threads int                   // each child's GOMAXPROCS
	poll    time.Duration         // how often an idle worker looks for dead workers' trials
	out     *lockedWriter         // opts.Stdout, shared with the children's output
	errOut  *lockedWriter         // opts.Stderr, shared with the children's output
	waiting bool                  // "waiting for … other workers" was said
	spent   bool                  // a tpe sweep proposes no more trials

	// changed is signalled (without blocking) whenever a child ends.
	changed  chan struct{}
	children sync.WaitGroup // one per reaper goroutine

	mu       sync.Mutex
	running  map[int64]*exec.Cmd // the children, by run id (nil: a trial run in this process)
	reapErrs []error             // the errors of recording children's ends
}

// newSession prepares a session, first returning the failed and diverged
// trials to the claimable ones with RetryFailed.
func newSession(ctx context.Context, rep *Report, p *plan.Plan, opts Options) (*session, error) {
	opts.Jobs = max(1, opts.Jobs)
	s := &session{
		ctx: ctx, opts: opts, rep: rep, plan: p, byID: map[int64]*plan.Trial{},
		out: &lockedWriter{w: opts.Stdout}, errOut: &lockedWriter{w: opts.Stderr},
		changed: make(chan struct{}, 1), running: map[int64]*exec.Cmd{},
		// The cores are shared among the jobs, the same way on every attempt
		// so that a resumed trial runs with the thread count it started with
		// (results can depend on it); a sweep of one trial gets them all.
		threads: opts.Threads,
		// An idle worker looks for trials whose worker died every third of
		// the lease, or checks the locks every 2 s.
		poll: 2 * time.Second,
	}
	if opts.Exe == "" {
		s.opts.Jobs = 1 // in this process: one trial at a time
	}
	if s.threads <= 0 {
		s.threads = max(1, runtime.NumCPU()/max(1, min(opts.Jobs, s.total())))
	}
	if opts.Lease > 0 {
		s.poll = opts.Lease / 3
	}
	for i, r := range rep.Trials {
		if err := s.add(r, i); err != nil {
			return nil, err
		}
		if opts.RetryFailed && (r.Status == record.StatusFailed || r.Status == record.StatusDiverged) {
			retry := resultdb.Outcome{Status: record.StatusInterrupted, StopReason: "to be retried"}
			if err := opts.Store.FinishTrial(ctx, r.ID, "", retry); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// loop claims and starts trials until none is left to claim and none of
// this session's is running, or ctx is cancelled. It returns the first
// error that stopped it (nil when ctx was cancelled).
func (s *session) loop() error {
	if s.opts.Lease > 0 {
		if err := os.MkdirAll(s.opts.Checkpoints, 0o755); err != nil {
			return err
		}
	}
	for s.ctx.Err() == nil {
		n := s.runningCount()
		if n >= s.opts.Jobs {
			s.wait(0)
			continue
		}
		c, err := s.claimOrPropose()
		switch {
		case err != nil && s.ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case c != nil:
			s.waiting = false
			if err := s.spawn(c); err != nil {
				return err
			}
		case n > 0:
			s.wait(0) // for a child to end, then look again
		default:
			if more, err := s.idle(); !more {
				return err
			}
		}
	}
	return nil
}

// idle is the loop's turn when nothing is claimable and nothing of this
// session's runs: while other workers run trials of the sweep, it waits a
// poll interval, so that a trial whose worker dies is taken over here. It
// reports whether to go on looking.
func (s *session) idle() (bool, error) {
	others, err := runningElsewhere(s.ctx, s.opts.Store, s.rep)
	if err != nil || others == 0 {
		return false, err
	}
	if !s.waiting {
		fmt.Fprintf(s.out, "waiting for %d trial(s) that other workers are running\n", others)
		s.waiting = true
	}
	s.wait(s.poll)
	return true, nil
}

// wait blocks until a child ends, ctx is cancelled, or (if d > 0) d passes.
func (s *session) wait(d time.Duration) {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-s.changed:
	case <-s.ctx.Done():
	case <-timeout:
	}
}

// runningCount is the number of this session's children still running.
func (s *session) runningCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.running)
}

// claimed is a trial this session has claimed and not yet started.
type claimed struct {
	run   *record.Run
	owner string
	// lock is the trial's lock file, held (no lease) until the child has it.
	lock *os.File
	// oom watches the child's stderr for the Go runtime's out-of-memory
	// error (nil when the child writes to this process's stderr).
	oom *oomWatch
}

// claim claims the next claimable trial, or returns nil if there is none.
// Without a lease, a trial whose status is running is another worker's
// unless its lock file is free; the lock taken is handed to the child.
func (s *session) claim() (*claimed, error) {
	c := &claimed{owner: rand.Text()}
	claim := resultdb.Claim{Owner: c.owner, Lease: s.opts.Lease}
	var lockErr error
	if s.opts.Lease == 0 {
		claim.Lock = func(r *record.Run) bool {
			c.closeLock() // taken in an attempt of the transaction that was retried
			f, err := tryLock(s.opts.Checkpoints, r.ID)
			if err != nil {
				lockErr = err
			}
			if err != nil || f == nil {
				return false
			}
			c.lock = f
			return true
		}
	}
	r, err := s.opts.Store.ClaimTrial(s.ctx, s.ids, claim)
	if err == nil && r == nil && lockErr != nil {
		// Nothing claimed because a lock file could not be taken.
		err = fmt.Errorf("locking a trial: %w", lockErr)
	}
	if err != nil || r == nil {
		c.closeLock()
		return nil, err
	}
	c.run = r
	return c, nil
}

// closeLock closes the claim's lock file, if any: the lock is the child's
// from then on (it inherited a duplicate), or released if none was started.
func (c *claimed) closeLock() {
	if c.lock != nil {
		// The file was only opened for its flock: closing it cannot lose data.
		_ = c.lock.Close()
		c.lock = nil
	}
}

// spawn starts the child process that trains the claimed trial and a
// goroutine that reaps it. A child that cannot be started is recorded as
// failed, and the error ends the session.
func (s *session) spawn(c *claimed) error {
	defer c.closeLock()
	if refused, err := s.refuse(c); refused || err != nil {
		return err
	}
	t := s.byID[c.run.ID]
	what := "starting"
	if c.run.Attempts > 1 {
		what = "resuming"
	}
	fmt.Fprintf(s.out, "trial %d/%d (run %d) %s: %s\n", t.Index, s.total(), c.run.ID, what, describe(t))
	if s.opts.Exe == "" {
		s.startInProcess(c)
		return nil
	}
	cmd, pipes, err := s.command(c)
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		failed := resultdb.Outcome{Status: record.StatusFailed, Error: "starting the trial process: " + err.Error()}
		if ferr := s.opts.Store.FinishTrial(context.WithoutCancel(s.ctx), c.run.ID, c.owner, failed); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
	s.mu.Lock()
	s.running[c.run.ID] = cmd
	if s.ctx.Err() != nil {
		// Cancelled after the claim: stopChildren may have run already.
		_ = cmd.Process.Signal(syscall.SIGTERM) // an error means it has exited
	}
	s.mu.Unlock()
	var copies sync.WaitGroup
	prefix := fmt.Sprintf("[%d] ", t.Index)
	c.oom = &oomWatch{}
	for i, pipe := range pipes {
		w := []io.Writer{s.out, s.errOut}[i]
		r := io.Reader(pipe)
		if i == 1 {
			r = io.TeeReader(pipe, c.oom)
		}
		copies.Go(func() { prefixLines(w, r, prefix) })
	}
	s.children.Go(func() {
		copies.Wait() // all output read before Wait closes the pipes
		s.reap(c, cmd, cmd.Wait())
	})
	return nil
}

// command prepares the child process of claim c: exp trial, with the
// database in the environment (not on the command line, where a password in
// its URL would show in ps) and the lock file, if any, as descriptor 3. A
// single child with PassThrough writes to this process's stdout and stderr;
// otherwise the returned pipes carry its stdout and stderr.
func (s *session) command(c *claimed) (*exec.Cmd, []io.ReadCloser, error) {
	cmd := exec.Command(s.opts.Exe, "trial", "--run", fmt.Sprint(c.run.ID), "--checkpoints", s.opts.Checkpoints,
		"--owner", c.owner, "--lease", s.opts.Lease.String())
	cmd.Env = append(append(os.Environ(), s.opts.Env...), fmt.Sprintf("GOMAXPROCS=%d", s.threads), "EXP_DB="+s.opts.DB)
	if c.lock != nil {
		cmd.Env = append(cmd.Env, "EXP_LOCK_FD=3")
		cmd.ExtraFiles = []*os.File{c.lock}
	}
	if s.opts.PassThrough && min(s.opts.Jobs, s.total()) == 1 {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd, nil, nil
	}
	so, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	se, err := cmd.StderrPipe()
	if err != nil {
		// Closing the unused read end of a pipe cannot fail in a way that matters.
		_ = so.Close()
		return nil, nil, err
	}
	return cmd, []io.ReadCloser{so, se}, nil
}

// reap records the end of a child that exited (waitErr is its Wait's error)
// without recording how its trial ended: failed, or interrupted if the
// session was cancelled. Then it signals the loop.
func (s *session) reap(c *claimed, cmd *exec.Cmd, waitErr error) {
	msg := "the trial process died"
	if waitErr != nil {
		msg += ": " + waitErr.Error()
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); outOfMemory(c, ws, ok) {
		msg = s.oomMessage(c, msg)
	}
	s.ended(c, s.recordDeath(c, msg))
}

// ended forgets c's trial, keeps err (that of recording its end), and
// signals the loop.
func (s *session) ended(c *claimed, err error) {
	s.mu.Lock()
	delete(s.running, c.run.ID)
	if err != nil {
		s.reapErrs = append(s.reapErrs, fmt.Errorf("trial (run %d): %w", c.run.ID, err))
	}
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default: // a signal is pending already: the loop looks at everything anew
	}
}

// recordDeath finishes c's trial with the error msg if it is still running
// under c's claim, as its process died (or its run in this process failed)
// without recording an outcome. A claim whose lease has run out is left
// alone.
func (s *session) recordDeath(c *claimed, msg string) error {
	bg := context.WithoutCancel(s.ctx)
	r, owner, err := s.opts.Store.Owned(bg, c.run.ID)
	if err != nil {
		return err
	}
	if r.Status != record.StatusRunning || owner.Token != c.owner {
		return nil
	}
	status := record.StatusFailed
	if s.ctx.Err() != nil {
		status = record.StatusInterrupted
	}
	err = s.opts.Store.FinishTrial(bg, c.run.ID, c.owner, resultdb.Outcome{Status: status, Error: msg})
	if errors.Is(err, resultdb.ErrLeaseLost) {
		// The claim's lease ran out meanwhile: the trial is claimable by any
		// worker, which resumes it; there is nothing left to record here.
		return nil
	}
	return err
}

// stopChildren sends SIGTERM to the running children.
func (s *session) stopChildren() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.running {
		if c == nil {
			continue // in this process: the trial stops with the session's context
		}
		// An error means the child has exited already; its reaper records it.
		_ = c.Process.Signal(syscall.SIGTERM)
	}
}

// reapErr returns the errors of recording the children's ends.
func (s *session) reapErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.reapErrs...)
}

// final reads the final state of the session's trials, in plan order.
func (s *session) final() (*Report, error) {
	trials, err := s.opts.Store.Trials(context.WithoutCancel(s.ctx), s.rep.Sweep.ID)
	if err != nil {
		return nil, err
	}
	byRun := map[int64]*record.Run{}
	for _, r := range trials {
		byRun[r.ID] = r
	}
	out := &Report{Sweep: s.rep.Sweep, Added: s.rep.Added, Budget: s.rep.Budget}
	if s.rep.Budget > 0 {
		out.Trials = trials // a tpe sweep's trials are all the sweep's
		return out, nil
	}
	for _, r := range s.rep.Trials {
		out.Trials = append(out.Trials, byRun[r.ID])
	}
	return out, nil
}

// runningElsewhere counts the plan's trials that are running under some
// other worker.
func runningElsewhere(ctx context.Context, store *resultdb.DB, rep *Report) (int, error) {
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
		if planned[r.ID] && r.Status == record.StatusRunning {
			n++
		}
	}
	return n, nil
}

// describe names a trial in the sweep's messages: its axis values, or its
// model's name.
func describe(t *plan.Trial) string {
	s := t.FormatParams()
	if s == "" {
		return t.Config.Model.Name
	}
	return s
}

// prefixLines copies r to w line by line, each line prefixed, skipping
// blank lines and keeping what follows a line's last carriage return (a
// progress bar's final state). A line too long to scan ends the copy with a
// note; the rest of r is read and dropped, so that the child never blocks on
// a full pipe.
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
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "%s(the rest of this output is dropped: %v)\n", prefix, err)
		// A read error here is the pipe's end: there is nothing left to drain.
		_, _ = io.Copy(io.Discard, r)
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p to the underlying writer, one call at a time.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
