package serve

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"time"
)

// answer is a rendered response.
type answer struct {
	status int
	ctype  string
	body   []byte
	gz     []byte // body gzipped, for a large body (nil: none)
	etag   string // set by the cache: the data version it was computed at
	// retryAfter, if > 0, is sent as Retry-After (seconds): the server was
	// too busy to compute the answer in time.
	retryAfter int
}

// entry is a cached answer and the data version it was computed at.
type entry struct {
	key        string
	ready      chan struct{} // closed once the first answer is in
	version    string
	ans        answer
	at         time.Time     // when the answer's computation began
	cost       time.Duration // how long it took
	refreshing bool
	refreshed  chan struct{} // closed when the running refresh ends
	// dropped is set when the first answer is not kept (the server was
	// busy, or it is too large): its waiters take it as it is.
	dropped bool
	// elem is the entry's place in the cache's recency list: nil until its
	// first answer is in, and once it was evicted.
	elem *list.Element
	size int // the bytes counted for it in cache.bytes
}

// cache keeps answers by key, bounded in bytes (the least recently used go
// first). An answer computed at an older data version is served while one
// goroutine computes the new one (stale while revalidating), so clients
// never wait on a recomputation except for a key's first request.
//
// Computations run in goroutines of their own, at most len(slots.all) at
// once, each within computeTimeout; a request waits at most answerWait for
// its answer and then gets 503 with Retry-After (the computation goes on,
// and its answer is kept for the next request). So every request is
// answered well within the server's write timeout.
type cache struct {
	mu       sync.Mutex
	entries  map[string]*entry
	recent   *list.List // entries with an answer, most recently used first
	bytes    int        // the sum of their sizes
	maxBytes int
	pending  int // entries whose first answer is being computed
	// version reads the current data version.
	version func(ctx context.Context) (string, error)
	slots   *slots
	// The limits (answerWait, queueWait, computeTimeout; tests shorten them).
	answerWait, queueWait, computeTimeout time.Duration
}

// Limits of the cache's computations.
const (
	// computeTimeout bounds one computation: its database reads are
	// cancelled then, and its answer is a 503.
	computeTimeout = 30 * time.Second
	// answerWait is the longest a request waits for an answer.
	answerWait = 20 * time.Second
	// queueWait is the longest a computation waits for a slot.
	queueWait = 20 * time.Second
	// maxPending bounds the keys whose first answer is being computed or
	// waits for a slot; a request for another new key gets 503 at once.
	maxPending = 16
	// retryAfter is the Retry-After of a busy answer, in seconds.
	retryAfter = 2
	// entryOverhead is counted for each entry beside its key and answer.
	entryOverhead = 512
	// DefaultCacheBytes bounds the answers kept when Options.CacheBytes is 0.
	DefaultCacheBytes = 128 << 20
)

// minRefresh is the least time between two computations of an answer for
// requests that accept a stale one: pages poll once a second, and a writer
// committing many epochs a second must not keep the server recomputing.
// An answer that takes long to compute waits twice its cost, so refreshing
// it takes at most a third of a core.
const minRefresh = time.Second

// computeFunc computes an answer within ctx.
type computeFunc func(ctx context.Context) answer

func newCache(version func(ctx context.Context) (string, error), maxBytes int) *cache {
	return &cache{entries: map[string]*entry{}, recent: list.New(), maxBytes: maxBytes, version: version,
		slots: newSlots(runtime.GOMAXPROCS(0)), answerWait: answerWait, queueWait: queueWait, computeTimeout: computeTimeout}
}

// get returns the answer of key: compute's, at the current data version or,
// unless fresh is set, one before it while a newer one is computed. When
// the answer cannot be had within answerWait, it is a 503.
func (c *cache) get(ctx context.Context, key string, fresh bool, compute computeFunc) (answer, error) {
	v, err := c.version(ctx)
	if err != nil {
		return answer{}, err
	}
	c.mu.Lock()
	e := c.entries[key]
	switch {
	case e == nil && c.pending >= maxPending:
		c.mu.Unlock()
		return busy("too many answers are being computed at once"), nil
	case e == nil:
		e = &entry{key: key, ready: make(chan struct{})}
		c.entries[key] = e
		c.pending++
		go c.fill(e, compute)
	case e.elem != nil:
		c.recent.MoveToFront(e.elem)
	}
	c.mu.Unlock()
	deadline := time.NewTimer(c.answerWait)
	defer deadline.Stop()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	case <-deadline.C:
		return busy("this answer is still being computed"), nil
	}
	c.mu.Lock()
	if e.dropped {
		c.mu.Unlock()
		return e.ans, nil
	}
	if e.version != v && !e.refreshing && time.Since(e.at) >= e.interval(fresh) {
		e.refreshing, e.refreshed = true, make(chan struct{})
		go c.refresh(e, compute)
	}
	stale, refreshing, refreshed, ans := e.version != v, e.refreshing, e.refreshed, e.ans
	c.mu.Unlock()
	if !fresh || !stale || !refreshing {
		return ans, nil
	}
	select {
	case <-refreshed:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	case <-deadline.C:
		return ans, nil // the answer before
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.ans, nil
}

// interval is the least time between two computations of e's answer:
// minRefresh and three times its cost or, for a request that asks for the
// current version, only the latter.
func (e *entry) interval(fresh bool) time.Duration {
	if fresh {
		return 3 * e.cost
	}
	return max(minRefresh, 3*e.cost)
}

// fill computes e's first answer and keeps it if it can.
func (c *cache) fill(e *entry, compute computeFunc) {
	r := c.compute(true, compute)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending--
	e.ans, e.version, e.at, e.cost = r.ans, r.version, r.at, r.cost
	close(e.ready)
	if !r.ok || !c.keep(e) {
		e.dropped = true
		delete(c.entries, e.key)
	}
}

// refresh recomputes e at the current data version. An answer that could
// not be computed in time leaves the one before in place.
func (c *cache) refresh(e *entry, compute computeFunc) {
	r := c.compute(false, compute)
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refreshing = false
	close(e.refreshed)
	if !r.ok || r.timedOut {
		return
	}
	e.ans, e.version, e.at, e.cost = r.ans, r.version, r.at, r.cost
	if e.elem == nil { // evicted meanwhile
		return
	}
	c.remove(e)
	if !c.keep(e) {
		delete(c.entries, e.key)
	}
}

// keep counts e's answer in the cache, evicting the least recently used
// answers beyond maxBytes; it reports false for an answer larger than a
// quarter of maxBytes, which is not kept. c.mu is held.
func (c *cache) keep(e *entry) bool {
	size := len(e.key) + len(e.ans.body) + len(e.ans.gz) + entryOverhead
	if size > c.maxBytes/4 {
		return false
	}
	e.size, e.elem = size, c.recent.PushFront(e)
	c.bytes += size
	for c.bytes > c.maxBytes {
		old := c.recent.Back().Value.(*entry)
		c.remove(old)
		delete(c.entries, old.key)
	}
	return true
}

// remove takes e out of the recency list and its size out of the count.
// c.mu is held.
func (c *cache) remove(e *entry) {
	c.recent.Remove(e.elem)
	c.bytes -= e.size
	e.elem, e.size = nil, 0
}

// result is a computation's outcome: ok unless no slot was free in time
// (or the data version could not be read), timedOut when it ran out of
// computeTimeout.
type result struct {
	ans          answer
	version      string
	at           time.Time
	cost         time.Duration
	ok, timedOut bool
}

// compute runs compute in a slot (a first one for a new key) within
// computeTimeout; a panic becomes a 500.
func (c *cache) compute(first bool, compute computeFunc) result {
	release, ok := c.slots.acquire(first, c.queueWait)
	if !ok {
		return result{ans: busy("the server is busy computing other answers")}
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), c.computeTimeout)
	defer cancel()
	at := time.Now()
	v, err := c.version(ctx)
	if err != nil {
		return result{ans: errorAnswer(err)}
	}
	r := result{ans: safely(ctx, compute), version: v, at: at, cost: time.Since(at), ok: true}
	if ctx.Err() != nil {
		r.timedOut = true
		r.ans = errorAnswer(&httpError{status: http.StatusServiceUnavailable,
			err: fmt.Errorf("this answer took longer than %v to compute: ask for less (fewer group-by key paths)", c.computeTimeout)})
	}
	r.ans.etag = etag(v)
	return r
}

// safely calls compute, turning a panic into a 500 rather than a lost
// connection or, in a refresh's goroutine, a crashed server.
func safely(ctx context.Context, compute computeFunc) (a answer) {
	defer func() {
		if p := recover(); p != nil {
			a = errorAnswer(fmt.Errorf("internal error (please report it): %v", p))
		}
	}()
	return compute(ctx)
}

// busy is a 503 that asks to retry shortly.
func busy(why string) answer {
	return answer{status: http.StatusServiceUnavailable, ctype: "text/plain; charset=utf-8", retryAfter: retryAfter,
		body: []byte(fmt.Sprintf("exp serve: %s; try again in a few seconds\n", why))}
}

// etag is the entity tag of an answer computed at data version v.
func etag(v string) string { return `"` + v + `"` }

// slots limit the computations that run at once: len(all) in all, and one
// fewer for keys not cached yet, so that refreshing the answers clients
// already watch always finds one free.
type slots struct {
	all, first chan struct{}
}

// newSlots makes n slots (at least 2).
func newSlots(n int) *slots {
	n = max(n, 2)
	return &slots{all: make(chan struct{}, n), first: make(chan struct{}, n-1)}
}

// acquire takes a slot (and a first one, if first), waiting at most wait;
// release gives them back.
func (s *slots) acquire(first bool, wait time.Duration) (release func(), ok bool) {
	t := time.NewTimer(wait)
	defer t.Stop()
	if first {
		select {
		case s.first <- struct{}{}:
		case <-t.C:
			return nil, false
		}
	}
	select {
	case s.all <- struct{}{}:
	case <-t.C:
		if first {
			<-s.first
		}
		return nil, false
	}
	return func() {
		<-s.all
		if first {
			<-s.first
		}
	}, true
}
