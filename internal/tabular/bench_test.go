package tabular

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeBenchCSV writes rows × cols numbers: three columns in four of the
// form 12.345678 (6 decimals, as data files often hold), the others integers.
func writeBenchCSV(tb testing.TB, path string, rows, cols int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for j := range cols {
		if j > 0 {
			line = append(line, ',')
		}
		line = append(line, 'c')
		line = strconv.AppendInt(line, int64(j), 10)
	}
	w.Write(append(line, '\n')) // errors surface at Flush
	r := uint64(12345)
	for range rows {
		line = line[:0]
		for j := range cols {
			r = r*6364136223846793005 + 1442695040888963407
			if j > 0 {
				line = append(line, ',')
			}
			if j%4 == 3 {
				line = strconv.AppendInt(line, int64(r>>54), 10)
			} else {
				v := float64(int64(r>>11))/(1<<52) - 1 // in [-1, 1)
				line = strconv.AppendFloat(line, v*100, 'f', 6, 64)
			}
		}
		w.Write(append(line, '\n'))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReadFile reads a CSV of 1,000,000 rows × 20 numeric columns
// (written once into a temporary folder):
//
//	go test ./internal/tabular -run '^$' -bench ReadFile -benchtime 3x
func BenchmarkReadFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.csv")
	writeBenchCSV(b, path, 1_000_000, 20)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		t, err := ReadFile(context.Background(), path, ReadOptions{})
		if err != nil || t.N() != 1_000_000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitApply fits a preprocessing on 1,000,000 rows × 20 columns
// (the last one the regression target) and applies it:
//
//	go test ./internal/tabular -run '^$' -bench FitApply -benchtime 3x
func BenchmarkFitApply(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.csv")
	writeBenchCSV(b, path, 1_000_000, 20)
	t, err := ReadFile(context.Background(), path, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := Fit(t, FitOptions{Target: "c19", Task: Regression})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Apply(t, true); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCompareWithPandas times ReadFile and pandas.read_csv on the same
// 1,000,000 × 20 CSV, alternating, and logs the medians of 3 and their
// ratio; each read runs in a fresh process and is timed inside it, without
// the start-up. It measures, it does not assert a speed; it runs only when
// asked:
//
//	EXP_BENCH_PANDAS=1 go test ./internal/tabular -run CompareWithPandas -v
//
// pandas comes from Debian's python3-pandas (EXP_PYTHON overrides
// /usr/bin/python3).
func TestCompareWithPandas(t *testing.T) {
	if os.Getenv("EXP_BENCH_PANDAS") == "" {
		t.Skip("set EXP_BENCH_PANDAS=1 to time ReadFile against pandas.read_csv")
	}
	python := os.Getenv("EXP_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	if err := exec.Command(python, "-c", "import pandas").Run(); err != nil {
		t.Skipf("%s cannot import pandas (apt-get install python3-pandas): %v", python, err)
	}
	path := filepath.Join(t.TempDir(), "bench.csv")
	writeBenchCSV(t, path, 1_000_000, 20)
	const script = "import sys, time, pandas\nt = time.perf_counter()\ndf = pandas.read_csv(sys.argv[1])\n" +
		"d = time.perf_counter() - t\nassert df.shape == (1000000, 20), df.shape\nprint('seconds:', d)\n"
	var goTimes, pdTimes []float64
	for range 3 {
		// Each side reads in a fresh process, so both pay for fresh memory.
		cmd := exec.Command(os.Args[0], "-test.run=^TestReadOnce$", "-test.v")
		cmd.Env = append(os.Environ(), "EXP_BENCH_READ="+path)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("exp read: %v\n%s", err, out)
		}
		goTimes = append(goTimes, parseSeconds(t, string(out)))
		out, err = exec.Command(python, "-c", script, path).Output()
		if err != nil {
			t.Fatalf("pandas: %v", err)
		}
		pdTimes = append(pdTimes, parseSeconds(t, string(out)))
	}
	g, p := median(goTimes), median(pdTimes)
	t.Logf("1,000,000 × 20 CSV: exp ReadFile median %.3fs %v; pandas.read_csv median %.3fs %v; ratio exp/pandas %.2f (GOMAXPROCS %d)",
		g, goTimes, p, pdTimes, g/p, runtime.GOMAXPROCS(0))
}

// TestReadOnce is TestCompareWithPandas's Go side: it reads the file
// EXP_BENCH_READ names once and prints "seconds: S".
func TestReadOnce(t *testing.T) {
	path := os.Getenv("EXP_BENCH_READ")
	if path == "" {
		t.Skip("run by TestCompareWithPandas")
	}
	start := time.Now()
	tab, err := ReadFile(context.Background(), path, ReadOptions{})
	d := time.Since(start).Seconds()
	if err != nil || tab.N() != 1_000_000 {
		t.Fatal(err)
	}
	fmt.Printf("seconds: %v\n", d)
}

// parseSeconds finds "seconds: S" in out.
func parseSeconds(t *testing.T, out string) float64 {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "seconds: "); ok {
			s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return s
			}
		}
	}
	t.Fatalf("no time in %q", out)
	return 0
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
