package sweep

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/exp-runner/exp/internal/resultdb"
)

// startInProcess trains claim c's trial in this process, in a goroutine
// that the session waits for, holding the trial's lock file (if any) until
// it ends. Cancelling the session's context stops it after its current
// step, as SIGTERM stops a child.
func (s *session) startInProcess(c *claimed) {
	lock := c.lock
	c.lock = nil // the goroutine's now: spawn's deferred closeLock leaves it
	s.mu.Lock()
	s.running[c.run.ID] = nil
	s.mu.Unlock()
	o := s.opts.InProcess
	o.Store, o.RunID, o.Owner, o.Lease, o.Checkpoints = s.opts.Store, c.run.ID, c.owner, s.opts.Lease, s.opts.Checkpoints
	if o.Log == nil {
		o.Log = s.out
	}
	s.children.Go(func() {
		err := runInProcess(s.ctx, o)
		if lock != nil {
			// Only opened for its flock: closing it releases the lock.
			_ = lock.Close()
		}
		var rerr error
		if err != nil && !errors.Is(err, resultdb.ErrLeaseLost) {
			rerr = s.recordDeath(c, "the trial failed: "+err.Error())
		}
		s.ended(c, rerr)
	})
}

// runInProcess runs RunTrial, turning a panic that escaped it (one the
// training loop's boundary does not catch: a bug outside GoMLX's graphs)
// into an error, so that it fails this trial and not the caller's process,
// as it would fail only a child process.
func runInProcess(ctx context.Context, o TrialOptions) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	_, err = RunTrial(ctx, o)
	return err
}
