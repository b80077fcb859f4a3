package cpu

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// opProfile accumulates execution times per op and input/output shapes.
type opProfile struct {
	mu      sync.Mutex
	entries map[string]*profileEntry
}

type profileEntry struct {
	key   string
	count int
	total time.Duration
}

func newOpProfile() *opProfile {
	return &opProfile{entries: make(map[string]*profileEntry)}
}

func (p *opProfile) add(n *opNode, d time.Duration) {
	var sb strings.Builder
	sb.WriteString(n.opType.String())
	if n.fallback != nil {
		sb.WriteString("(fallback)")
	}
	sb.WriteString(" (")
	for i, in := range n.inputs {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(in.shape.String())
	}
	sb.WriteString(") -> ")
	if n.isMulti() {
		sb.WriteString(fmt.Sprint(n.multiShapes))
	} else {
		sb.WriteString(n.shape.String())
	}
	key := sb.String()
	p.mu.Lock()
	e := p.entries[key]
	if e == nil {
		e = &profileEntry{key: key}
		p.entries[key] = e
	}
	e.count++
	e.total += d
	p.mu.Unlock()
}

// ProfileReport writes the accumulated execution time per op, if the backend was created with the "profile"
// option, sorted by total time, and resets the counters.
func (b *Backend) ProfileReport(w io.Writer, top int) {
	if b.profile == nil {
		fmt.Fprintln(w, "cpu backend: profiling not enabled (use the \"profile\" config option)")
		return
	}
	p := b.profile
	p.mu.Lock()
	entries := make([]*profileEntry, 0, len(p.entries))
	var total time.Duration
	for _, e := range p.entries {
		entries = append(entries, e)
		total += e.total
	}
	p.entries = make(map[string]*profileEntry)
	p.mu.Unlock()
	slices.SortFunc(entries, func(a, b *profileEntry) int { return int(b.total - a.total) })
	fmt.Fprintf(w, "total %s\n", total)
	for i, e := range entries {
		if top > 0 && i >= top {
			break
		}
		fmt.Fprintf(w, "%6.2f%% %10s %6d× %s\n", 100*float64(e.total)/float64(total), e.total, e.count, e.key)
	}
}

// reset clears the accumulated times.
func (p *opProfile) reset() {
	p.mu.Lock()
	p.entries = make(map[string]*profileEntry)
	p.mu.Unlock()
}

// opTypes returns the set of op types executed since the last reset.
func (p *opProfile) opTypes() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ops := make(map[string]bool)
	for _, e := range p.entries {
		op, _, _ := strings.Cut(e.key, " ")
		ops[op] = true
	}
	return ops
}
