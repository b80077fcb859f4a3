package serve

import (
	"context"
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
}

// entry is a cached answer and the data version it was computed at.
type entry struct {
	ready      chan struct{} // closed once the first answer is in
	version    string
	ans        answer
	at         time.Time     // when the answer's computation began
	cost       time.Duration // how long it took
	refreshing bool
	refreshed  chan struct{} // closed when the running refresh ends
}

// cache keeps answers by key. An answer computed at an older data version
// is served while one goroutine computes the new one (stale while
// revalidating), so clients never wait on a recomputation except for a
// key's first request.
type cache struct {
	mu      sync.Mutex
	entries map[string]*entry
	// version reads the current data version.
	version func(ctx context.Context) (string, error)
	max     int // entries kept at most
}

// refreshTimeout bounds a background recomputation.
const refreshTimeout = 60 * time.Second

// minRefresh is the least time between two computations of an answer for
// requests that accept a stale one: pages poll once a second, and a writer
// committing many epochs a second must not keep the server recomputing.
// An answer that takes long to compute waits twice its cost, so refreshing
// it takes at most a third of a core.
const minRefresh = time.Second

func newCache(version func(ctx context.Context) (string, error), max int) *cache {
	return &cache{entries: map[string]*entry{}, version: version, max: max}
}

// get returns the answer of key: compute's, at the current data version or,
// unless fresh is set, one before it while a newer one is computed.
func (c *cache) get(ctx context.Context, key string, fresh bool, compute func(ctx context.Context) answer) (answer, error) {
	v, err := c.version(ctx)
	if err != nil {
		return answer{}, err
	}
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		c.evict()
		e = &entry{ready: make(chan struct{}), version: v, at: time.Now()}
		c.entries[key] = e
		c.mu.Unlock()
		ans := compute(ctx)
		ans.etag = etag(v)
		c.mu.Lock()
		e.ans, e.cost = ans, time.Since(e.at)
		close(e.ready)
		if ctx.Err() != nil {
			delete(c.entries, key) // do not keep an answer cut short
		}
		c.mu.Unlock()
		return ans, nil
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
	c.mu.Lock()
	if e.version != v && !e.refreshing && (fresh || time.Since(e.at) >= max(minRefresh, 3*e.cost)) {
		e.refreshing, e.refreshed = true, make(chan struct{})
		go c.refresh(e, compute)
	}
	stale, refreshed, ans := e.version != v, e.refreshed, e.ans
	c.mu.Unlock()
	if !fresh || !stale {
		return ans, nil
	}
	select {
	case <-refreshed:
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.ans, nil
}

// refresh recomputes e at the current data version; the goroutine ends
// when compute returns (bounded by refreshTimeout).
func (c *cache) refresh(e *entry, compute func(ctx context.Context) answer) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	at := time.Now()
	v, err := c.version(ctx)
	var ans answer
	if err == nil {
		ans = compute(ctx)
		ans.etag = etag(v)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refreshing = false
	close(e.refreshed)
	if err == nil && ctx.Err() == nil {
		e.version, e.ans, e.at, e.cost = v, ans, at, time.Since(at)
	}
}

// etag is the entity tag of an answer computed at data version v.
func etag(v string) string { return `"` + v + `"` }

// evict drops every finished entry once the cache is full (keys come from
// request text, so their number is bounded here). c.mu is held.
func (c *cache) evict() {
	if len(c.entries) < c.max {
		return
	}
	for k, e := range c.entries {
		select {
		case <-e.ready:
			if !e.refreshing {
				delete(c.entries, k)
			}
		default:
		}
	}
}
