package runner

import (
	"context"
	"sync"

	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
)

// memoryCheck refuses the trials whose memory estimate, times the trials
// run at once, exceeds the machine's memory (unless forced). The planned
// trials' estimates are made up front; those of trials a tpe search
// proposes while it runs, when they are claimed.
type memoryCheck struct {
	ctx   context.Context
	plan  *plan.Plan
	mems  []model.Memory // the planned trials', by position
	jobs  int
	force bool
	total int64 // the machine's memory (0: unknown)

	mu       sync.Mutex
	proposed map[int]proposedMemory // by trial index
}

// proposedMemory is a proposed trial's estimate, or why there is none.
type proposedMemory struct {
	mem model.Memory
	err error
}

// refuse returns why trial t must not start ("" if it may): for
// sweep.Options.Refuse.
func (m *memoryCheck) refuse(t *plan.Trial) string {
	if m.force {
		return ""
	}
	mem, ok := m.of(t)
	if !ok {
		return ""
	}
	return plan.MemoryRefusal(mem, m.jobs, m.total)
}

// estimate returns trial t's estimate as text ("" if there is none): for
// sweep.Options.Estimate.
func (m *memoryCheck) estimate(t *plan.Trial) string {
	if mem, ok := m.of(t); ok {
		return mem.String()
	}
	return ""
}

// of returns trial t's estimate, and whether it has one: a proposed
// trial whose model or data cannot be estimated has none (its trial
// process reports the problem).
func (m *memoryCheck) of(t *plan.Trial) (model.Memory, bool) {
	if t.Index >= 1 && t.Index <= len(m.mems) {
		return m.mems[t.Index-1], true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.proposed[t.Index]
	if !ok {
		p.mem, p.err = m.plan.EstimateTrial(m.ctx, t)
		if m.proposed == nil {
			m.proposed = map[int]proposedMemory{}
		}
		m.proposed[t.Index] = p
	}
	return p.mem, p.err == nil
}
