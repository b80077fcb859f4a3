package sweep

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// oomMarker is what the Go runtime prints when an allocation fails.
const oomMarker = "fatal error: runtime: out of memory"

// oomWatch is a writer that notes whether oomMarker went through it (a
// child's stderr is copied through one).
type oomWatch struct {
	mu   sync.Mutex
	tail []byte // the end of what was written, for a marker split across writes
	seen bool
}

// Write looks for the marker in p, never failing.
func (w *oomWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen {
		buf := append(w.tail, p...)
		w.seen = bytes.Contains(buf, []byte(oomMarker))
		w.tail = append([]byte(nil), buf[max(0, len(buf)-len(oomMarker)):]...)
	}
	return len(p), nil
}

// Seen reports whether the marker was written.
func (w *oomWatch) Seen() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// outOfMemory reports whether a child ran out of memory: the Go runtime
// said so on its stderr, or it was killed by SIGKILL (the kernel's OOM
// killer's signal).
func outOfMemory(c *claimed, ws syscall.WaitStatus, ok bool) bool {
	if c.oom != nil && c.oom.Seen() {
		return true
	}
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// oomMessage is the failure recorded for a trial that ran out of memory.
func (s *session) oomMessage(c *claimed, detail string) string {
	msg := "out of memory (" + detail + ")"
	if s.opts.Estimate != nil {
		if est := s.opts.Estimate(s.byID[c.run.ID]); est != "" {
			msg += "; the trial needs an estimated " + est
		}
	}
	return msg
}

// refuse records c's trial as failed without starting it when opts.Refuse
// says it cannot run (not enough memory), and reports whether it did.
func (s *session) refuse(c *claimed) (bool, error) {
	if s.opts.Refuse == nil {
		return false, nil
	}
	t := s.byID[c.run.ID]
	msg := s.opts.Refuse(t)
	if msg == "" {
		return false, nil
	}
	fmt.Fprintf(s.out, "trial %d/%d (run %d) refused: %s\n", t.Index, len(s.plan.Trials), c.run.ID, msg)
	failed := resultdb.Outcome{Status: record.StatusFailed, Error: msg}
	return true, s.opts.Store.FinishTrial(context.WithoutCancel(s.ctx), c.run.ID, c.owner, failed)
}
