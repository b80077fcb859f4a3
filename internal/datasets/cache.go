package datasets

import (
	"encoding/json"
	"errors"
	"sync"
)

// cacheLimit bounds the bytes of decoded data that files keeps.
const cacheLimit = 1 << 30

// files keeps what this process loaded from users' files, so that a
// sweep's planning checks every trial against one copy of the data.
var files = newCache(cacheLimit)

// cache keeps loaded values by key, up to limit bytes: once it holds more,
// the least recently used values go, but never the newest, so that data
// larger than the limit is still read once. A key is loaded once at a
// time: callers of a key being loaded wait for that load, while loads of
// other keys go on. Failed loads are not kept.
type cache struct {
	mu      sync.Mutex
	limit   int64
	size    int64  // bytes of the kept values
	clock   uint64 // counts uses, to order them
	entries map[string]*cacheEntry
}

// cacheEntry is one key's value, or its load under way.
type cacheEntry struct {
	done  chan struct{} // closed when the load has ended; then val or err is set
	val   any
	err   error
	kept  bool  // the load succeeded and its bytes count in size
	bytes int64 // the value's size
	used  uint64
}

// errLoadPanicked is what waiters on a load that panicked get.
var errLoadPanicked = errors.New("loading the data panicked")

func newCache(limit int64) *cache {
	return &cache{limit: limit, entries: map[string]*cacheEntry{}}
}

// cached returns the value c holds under the JSON of key, or calls load,
// without holding c's lock, and keeps its result, of size(result) bytes.
// An error is returned to the caller and to those waiting for the same
// key, and not kept.
func cached[T any](c *cache, key any, load func() (T, error), size func(T) int64) (T, error) {
	var zero T
	b, err := json.Marshal(key)
	if err != nil {
		return zero, err
	}
	k := string(b)
	c.mu.Lock()
	c.clock++
	if e, ok := c.entries[k]; ok {
		e.used = c.clock
		c.mu.Unlock()
		<-e.done
		if e.err != nil {
			return zero, e.err
		}
		return e.val.(T), nil
	}
	e := &cacheEntry{done: make(chan struct{}), used: c.clock, err: errLoadPanicked}
	c.entries[k] = e
	c.mu.Unlock()

	var v T
	defer func() { // also when load panics: its waiters must not wait forever
		var n int64
		if e.err == nil {
			e.val, n = v, size(v)
		}
		c.settle(k, e, n)
	}()
	v, e.err = load()
	return v, e.err
}

// settle ends the load of e (key k), n bytes, and wakes its waiters: a
// failed load leaves the cache; a value is kept, and the least recently
// used others go while the cache holds more than its limit.
func (c *cache) settle(k string, e *cacheEntry, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(e.done)
	if e.err != nil {
		delete(c.entries, k)
		return
	}
	e.kept, e.bytes = true, n
	c.size += n
	for c.size > c.limit {
		old := c.leastRecent(k)
		if old == "" {
			return
		}
		c.size -= c.entries[old].bytes
		delete(c.entries, old)
	}
}

// leastRecent returns the key of the kept value used least recently,
// other than keep ("" if there is none).
func (c *cache) leastRecent(keep string) string {
	var key string
	var used uint64
	for k, e := range c.entries {
		if k != keep && e.kept && (key == "" || e.used < used) {
			key, used = k, e.used
		}
	}
	return key
}
