package text

import (
	"runtime"
	"sync"
)

// minChunk is the fewest texts a worker gets: below it, starting a
// goroutine costs more than it saves.
const minChunk = 4096

// workers is the number of goroutines for n texts: GOMAXPROCS, or fewer so
// that each has at least minChunk texts. Tests override maxWorkers.
func workers(n int) int {
	w := maxWorkers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, n/minChunk))
}

// maxWorkers caps workers when above 0 (tests use it to compare one worker
// with several).
var maxWorkers = 0

// chunks calls fn(w, lo, hi) for consecutive ranges [lo, hi) that cover
// [0, n), one per worker, concurrently, and returns when all have.
func chunks(n, w int, fn func(w, lo, hi int)) {
	if w == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range w {
		wg.Go(func() { fn(i, i*n/w, (i+1)*n/w) })
	}
	wg.Wait()
}
