package serve

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeVersion is a data version a test sets.
type fakeVersion struct {
	mu sync.Mutex
	v  string
}

func (f *fakeVersion) get(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v, nil
}

func (f *fakeVersion) set(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.v = v
}

// testCache is a cache of maxBytes with 2 slots (one for new keys) and
// short waits.
func testCache(maxBytes int) (*cache, *fakeVersion) {
	fv := &fakeVersion{v: "1"}
	c := newCache(fv.get, maxBytes)
	c.slots = newSlots(2)
	c.answerWait, c.queueWait, c.computeTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	return c, fv
}

// sized answers a body of n bytes and counts its calls.
func sized(n int, calls *atomic.Int64) computeFunc {
	return func(context.Context) answer {
		calls.Add(1)
		return answer{status: 200, ctype: "text/plain", body: bytes.Repeat([]byte("x"), n)}
	}
}

// TestCacheBytes: the cache is bounded by the bytes it keeps, not by its
// number of entries (the 500 answers of 15 MB took 14 GB); the
// least recently used answers go first, and an answer larger than a
// quarter of the bound is served but not kept.
func TestCacheBytes(t *testing.T) {
	const max = 100_000
	c, _ := testCache(max)
	ctx := context.Background()
	var calls atomic.Int64
	for i := range 100 {
		ans, err := c.get(ctx, fmt.Sprint("key", i), false, sized(10_000, &calls))
		if err != nil || ans.status != 200 || len(ans.body) != 10_000 {
			t.Fatalf("key%d: %d %d bytes, %v", i, ans.status, len(ans.body), err)
		}
		if _, err := c.get(ctx, "key0", false, sized(10_000, &calls)); err != nil { // key0 stays the most used
			t.Fatal(err)
		}
		if c.bytes > max {
			t.Fatalf("after key%d: %d bytes kept, bound %d", i, c.bytes, max)
		}
	}
	if n := len(c.entries); n > max/10_000 || n != c.recent.Len() {
		t.Errorf("%d entries (%d in the recency list) for %d bytes of 10,000-byte answers", n, c.recent.Len(), max)
	}
	if c.entries["key0"] == nil || c.entries["key99"] == nil || c.entries["key1"] != nil {
		t.Errorf("kept: key0 %v, key99 %v, key1 %v; want the most recently used", c.entries["key0"] != nil, c.entries["key99"] != nil, c.entries["key1"] != nil)
	}
	if calls.Load() != 100 {
		t.Errorf("%d computations for 100 keys (key0 asked for 101 times)", calls.Load())
	}
	calls.Store(0)
	for range 3 {
		if ans, _ := c.get(ctx, "huge", false, sized(max/2, &calls)); ans.status != 200 || len(ans.body) != max/2 {
			t.Fatalf("huge: %d, %d bytes", ans.status, len(ans.body))
		}
	}
	if c.entries["huge"] != nil || calls.Load() != 3 || c.bytes > max {
		t.Errorf("an answer of half the bound: kept %v, %d computations, %d bytes", c.entries["huge"] != nil, calls.Load(), c.bytes)
	}
}

// TestCacheLimits: computations run at most two at once and new keys one
// at a time; a request whose answer is not ready within answerWait gets a
// 503 with Retry-After (never an empty reply), as does one for a new key
// beyond maxPending; the answer computed meanwhile is kept; refreshing a
// watched answer finds a slot while new keys hold theirs.
func TestCacheLimits(t *testing.T) {
	c, fv := testCache(1 << 20)
	c.computeTimeout = time.Minute // the blocked computation is not cut short
	ctx := context.Background()
	var calls atomic.Int64
	if ans, _ := c.get(ctx, "watched", false, sized(10, &calls)); ans.status != 200 {
		t.Fatalf("watched: %d", ans.status)
	}
	gate := make(chan struct{})
	var running, most atomic.Int64
	blocked := func(context.Context) answer {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-gate
		running.Add(-1)
		return answer{status: 200, ctype: "text/plain", body: []byte("done")}
	}
	const n = 2 * maxPending
	statuses := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i], _ = c.get(ctx, fmt.Sprint("new", i), false, blocked)
		})
	}
	wg.Wait()
	for i, a := range statuses {
		if a.status != 503 || a.retryAfter <= 0 || !strings.Contains(string(a.body), "try again") {
			t.Errorf("new%d: %d, Retry-After %d, %q; want a 503 asking to retry", i, a.status, a.retryAfter, a.body)
		}
	}
	if most.Load() != 1 {
		t.Errorf("%d computations of new keys at once, want 1", most.Load())
	}
	fv.set("2") // the watched answer is stale: refreshing it needs a slot
	c.mu.Lock()
	c.entries["watched"].at = time.Time{}
	c.mu.Unlock()
	if ans, _ := c.get(ctx, "watched", true, sized(10, &calls)); ans.status != 200 || ans.etag != etag("2") {
		t.Errorf("refreshing while new keys hold their slot: %d, ETag %s; want the answer at version 2", ans.status, ans.etag)
	}
	close(gate)
	for idle := false; !idle; time.Sleep(10 * time.Millisecond) { // the computations end
		c.mu.Lock()
		idle = c.pending == 0 && len(c.slots.all) == 0
		c.mu.Unlock()
	}
	kept := 0
	again := func(context.Context) answer { return answer{status: 418} }
	for i := range n {
		if a, _ := c.get(ctx, fmt.Sprint("new", i), false, again); a.status == 200 && string(a.body) == "done" {
			kept++
		}
	}
	if kept == 0 || most.Load() != 1 {
		t.Errorf("%d answers kept from the blocked computations (want the one that had a slot, and any that got it later); %d at once", kept, most.Load())
	}
}

// TestCacheTimeoutAndPanic: a computation that runs out of its time is a
// 503 that says so, and one that panics a 500: neither loses the
// connection, nor, in a refresh, the server.
func TestCacheTimeoutAndPanic(t *testing.T) {
	c, fv := testCache(1 << 20)
	c.answerWait = 2 * time.Second
	ctx := context.Background()
	slow := func(ctx context.Context) answer {
		<-ctx.Done()
		return answer{status: 200, body: []byte("too late")}
	}
	if a, _ := c.get(ctx, "slow", false, slow); a.status != 503 || !strings.Contains(string(a.body), "took longer than") {
		t.Errorf("slow: %d %q", a.status, a.body)
	}
	boom := func(context.Context) answer { panic("boom") }
	if a, _ := c.get(ctx, "boom", false, boom); a.status != 500 || !strings.Contains(string(a.body), "internal error") {
		t.Errorf("panic: %d %q", a.status, a.body)
	}
	var calls atomic.Int64
	if a, _ := c.get(ctx, "later", false, sized(1, &calls)); a.status != 200 {
		t.Fatal(a.status)
	}
	fv.set("2")
	c.mu.Lock()
	c.entries["later"].at = time.Time{}
	c.mu.Unlock()
	if a, _ := c.get(ctx, "later", true, boom); a.status != 500 {
		t.Errorf("a refresh that panics: %d, want 500", a.status)
	}
}
