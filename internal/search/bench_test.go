package search

import (
	"os"
	"strings"
	"testing"
)

// TestCompareTPERandom prints the median best-so-far of TPE and random
// search on three known functions over 10 sampler seeds, both driven
// through Propose (random search is Propose with every proposal a startup
// draw). It takes a few seconds; set EXP_SEARCH_BENCH=1 to run it (exp
// bench --search prints the same table).
func TestCompareTPERandom(t *testing.T) {
	if os.Getenv("EXP_SEARCH_BENCH") == "" {
		t.Skip("set EXP_SEARCH_BENCH=1 to compare TPE and random search")
	}
	var b strings.Builder
	wins, err := Compare(&b, 10, []int{20, 50, 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("median best-so-far over 10 seeds (minimising; tpe-4w: 4 parallel workers, constant liar):\n%sTPE beats random at 50 trials on %d of 3 problems", b.String(), wins)
}
