package datasets

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCacheBound: the cache keeps values up to its limit, then lets the
// least recently used go; the newest stays even when it alone is larger
// than the limit. Failed loads are not kept.
func TestCacheBound(t *testing.T) {
	c := newCache(100)
	loads := map[string]int{}
	get := func(key string, size int64) {
		t.Helper()
		v, err := cached(c, key, func() (string, error) { loads[key]++; return "value of " + key, nil },
			func(string) int64 { return size })
		if err != nil || v != "value of "+key {
			t.Fatalf("cached(%s) = %q, %v", key, v, err)
		}
	}
	get("a", 40)
	get("b", 40)
	get("a", 40) // a is now used more recently than b
	get("c", 40) // 120 bytes: b goes
	get("a", 40)
	get("c", 40)
	if loads["a"] != 1 || loads["b"] != 1 || loads["c"] != 1 {
		t.Errorf("loads %v, want each key loaded once", loads)
	}
	get("b", 40)
	if loads["b"] != 2 {
		t.Errorf("b loaded %d times, want 2: it was the least recently used", loads["b"])
	}
	get("huge", 500) // alone over the limit: kept, everything else goes
	get("huge", 500)
	if loads["huge"] != 1 || c.size != 500 || len(c.entries) != 1 {
		t.Errorf("huge loaded %d times; cache holds %d bytes in %d entries, want 500 in 1", loads["huge"], c.size, len(c.entries))
	}
	fail := errors.New("no such file")
	for range 2 {
		if _, err := cached(c, "bad", func() (string, error) { loads["bad"]++; return "", fail }, func(string) int64 { return 1 }); err != fail {
			t.Fatalf("failed load: %v", err)
		}
	}
	if loads["bad"] != 2 {
		t.Errorf("a failed load was kept: %d loads", loads["bad"])
	}
}

// TestCacheConcurrent: callers of a key being loaded wait for that one
// load, and a load does not hold up another key's: key a's load finishes
// only once key b's has, which deadlocks if loads are serialised.
func TestCacheConcurrent(t *testing.T) {
	c := newCache(1 << 20)
	var aLoads atomic.Int32
	aStarted, bDone := make(chan struct{}), make(chan struct{})
	loadA := func() (int, error) {
		if aLoads.Add(1) == 1 {
			close(aStarted)
		}
		<-bDone
		return 1, nil
	}
	size := func(int) int64 { return 8 }
	var wg sync.WaitGroup
	results := make([]int, 4)
	for i := range results {
		wg.Go(func() {
			v, err := cached(c, "a", loadA, size)
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	<-aStarted
	if v, err := cached(c, "b", func() (int, error) { return 2, nil }, size); v != 2 || err != nil {
		t.Errorf("b = %d, %v", v, err)
	}
	close(bDone)
	wg.Wait()
	if n := aLoads.Load(); n != 1 || fmt.Sprint(results) != "[1 1 1 1]" {
		t.Errorf("a loaded %d times, results %v; want one load shared by all", n, results)
	}
}

// TestCachePanic: a load that panics does not stay in the cache as a load
// under way (which would block the key for good): the key is loaded again.
func TestCachePanic(t *testing.T) {
	c := newCache(100)
	func() {
		defer func() { _ = recover() }() // the panic goes on to the loader's caller
		_, _ = cached(c, "k", func() (int, error) { panic("boom") }, func(int) int64 { return 1 })
	}()
	v, err := cached(c, "k", func() (int, error) { return 7, nil }, func(int) int64 { return 1 })
	if v != 7 || err != nil {
		t.Errorf("after a panic: %d, %v", v, err)
	}
}
