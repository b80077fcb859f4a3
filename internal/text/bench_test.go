package text

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// benchRows is the size of the benchmarks' corpus.
const benchRows = 100_000

// eachWorkers runs fn as sub-benchmarks workers=1 and workers=N, N being
// GOMAXPROCS when above 1.
func eachWorkers(b *testing.B, fn func(b *testing.B)) {
	counts := []int{1}
	if p := runtime.GOMAXPROCS(0); p > 1 {
		counts = append(counts, p)
	}
	defer func(w int) { maxWorkers = w }(maxWorkers)
	for _, w := range counts {
		maxWorkers = w
		b.Run(fmt.Sprintf("workers=%d", w), fn)
	}
}

// BenchmarkFit tokenizes and counts 100,000 texts (3 to 32 Zipf-distributed
// words each, some with accents) and fits the default vocabulary, with one
// worker and with GOMAXPROCS.
func BenchmarkFit(b *testing.B) {
	texts := corpus(benchRows, 42)
	eachWorkers(b, func(b *testing.B) { benchFit(b, texts) })
}

func benchFit(b *testing.B, texts []string) {
	o := DefaultOptions()
	for b.Loop() {
		if _, err := Fit(texts, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodeAll encodes the same 100,000 texts to 128 ids each.
func BenchmarkEncodeAll(b *testing.B) {
	texts := corpus(benchRows, 42)
	v, err := Fit(texts, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	eachWorkers(b, func(b *testing.B) {
		for b.Loop() {
			v.EncodeAll(texts)
		}
		b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkFitVsCountVectorizer times, in one run, scikit-learn's
// CountVectorizer.fit (testdata/countvectorizer_bench.py, best of 3) and
// then Fit on the same 100,000 texts, with one worker and with GOMAXPROCS,
// and reports both times and their ratio (speedup: CountVectorizer's time
// over Fit's). It is skipped where /usr/bin/python3 cannot import
// scikit-learn (Debian: python3-sklearn).
func BenchmarkFitVsCountVectorizer(b *testing.B) {
	texts := corpus(benchRows, 42)
	file := filepath.Join(b.TempDir(), "texts.txt")
	if err := os.WriteFile(file, []byte(strings.Join(texts, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "testdata/countvectorizer_bench.py", file, "3").Output()
	if err != nil {
		b.Skipf("the scikit-learn peer did not run: %v", err)
	}
	var peer struct {
		Rows, Vocabulary int
		Best             float64
	}
	if err := json.Unmarshal(out, &peer); err != nil || peer.Rows != benchRows {
		b.Fatalf("peer output %q: %v", out, err)
	}
	eachWorkers(b, func(b *testing.B) {
		benchFit(b, texts)
		ours := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(ours*1e3, "fit-ms")
		b.ReportMetric(peer.Best*1e3, "sklearn-ms")
		b.ReportMetric(peer.Best/ours, "speedup")
	})
}
