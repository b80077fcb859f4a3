//go:build unix

package images_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/images"
)

// BenchmarkMNISTFolder compares loading MNIST's 70,000 images (train then
// test) written out as a PNG class folder, in three alternating rounds:
//
//   - exp-cold: Scan + Load with an empty decoded cache (decoding with
//     GOMAXPROCS workers, then writing the cache);
//   - exp-warm: Scan + Load again, from the cache;
//   - torchvision: ImageFolder + DataLoader (2 workers, batch 256, PIL
//     images converted to L, PILToTensor), one full pass, timed inside
//     Python from building the ImageFolder (testdata/torchvision_imagefolder.py).
//
// It reports the median of each, in seconds of wall time and of CPU time
// (user + system, of exp's process, or of Python and its workers): on a
// loaded machine the wall times mostly measure the wait for a core. Run it with
//
//	go test -run '^$' -bench BenchmarkMNISTFolder -benchtime 1x -timeout 30m ./internal/images
//
// $EXP_IMAGES_BENCH_DIR names a folder to keep the export in between runs
// (written when missing or empty); by default it goes to a temporary folder.
// $EXP_IMAGES_BENCH_PYTHON is the Python with torchvision (default
// /usr/bin/python3); without torchvision that column is skipped with a
// message.
func BenchmarkMNISTFolder(b *testing.B) {
	dir := mnistFolder(b)
	python := os.Getenv("EXP_IMAGES_BENCH_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	torch := exec.Command(python, "-c", "import torchvision").Run() == nil
	if !torch {
		b.Logf("torchvision not importable by %s: timing exp only", python)
	}
	b.ResetTimer()
	var cold, warm, tv [2][]float64 // wall, CPU
	add := func(to *[2][]float64, r [2]float64) {
		to[0], to[1] = append(to[0], r[0]), append(to[1], r[1])
	}
	for round := range 3 {
		cache := b.TempDir()
		add(&cold, timeLoad(b, dir, cache, false))
		add(&warm, timeLoad(b, dir, cache, true))
		tvs := "skipped"
		if torch {
			add(&tv, timeTorchvision(b, python, dir))
			tvs = fmt.Sprintf("%.3f s (CPU %.3f s)", tv[0][round], tv[1][round])
		}
		b.Logf("round %d: exp cold %.3f s (CPU %.3f s), exp warm %.3f s (CPU %.3f s), torchvision %s",
			round+1, cold[0][round], cold[1][round], warm[0][round], warm[1][round], tvs)
	}
	report := func(name string, xs [2][]float64) {
		b.ReportMetric(median(xs[0]), name+"-s")
		b.ReportMetric(median(xs[1]), name+"-cpu-s")
	}
	report("exp-cold", cold)
	report("exp-warm", warm)
	if torch {
		report("torchvision", tv)
	}
}

// cpuSeconds returns the user and system time of this process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0 // not expected on Unix; the figure then reads as 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// mnistFolder returns a folder holding MNIST's 70,000 images as PNGs,
// writing it unless $EXP_IMAGES_BENCH_DIR already holds it.
func mnistFolder(b *testing.B) string {
	dir := os.Getenv("EXP_IMAGES_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "mnist")
	}
	if des, err := os.ReadDir(dir); err == nil && len(des) > 0 {
		return dir
	}
	train, test := readMNIST(b, "train"), readMNIST(b, "t10k")
	all := &images.Set{N: train.N + test.N, H: 28, W: 28, C: 1,
		Pix:        append(slices.Clone(train.Pix), test.Pix...),
		Labels:     append(slices.Clone(train.Labels), test.Labels...),
		ClassNames: train.ClassNames}
	start := time.Now()
	if err := images.WriteFolder(context.Background(), dir, all); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %d PNGs to %s in %.1f s", all.N, dir, time.Since(start).Seconds())
	return dir
}

// timeLoad returns the wall and CPU seconds of Scan + Load.
func timeLoad(b *testing.B, dir, cache string, wantHit bool) [2]float64 {
	start, cpu0 := time.Now(), cpuSeconds()
	l, err := images.Scan(context.Background(), dir, images.ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := images.Load(context.Background(), l, images.Options{CacheDir: cache})
	if err != nil {
		b.Fatal(err)
	}
	wall, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
	if s.N != 70000 || s.H != 28 || s.W != 28 || s.C != 1 || s.CacheHit != wantHit || s.CacheErr != nil {
		b.Fatalf("loaded %d×%d×%d×%d, cache hit %v (want %v), cache error %v", s.N, s.H, s.W, s.C, s.CacheHit, wantHit, s.CacheErr)
	}
	return [2]float64{wall, cpu}
}

// timeTorchvision returns the wall and CPU seconds of one pass.
func timeTorchvision(b *testing.B, python, dir string) [2]float64 {
	out, err := exec.Command(python, filepath.Join("testdata", "torchvision_imagefolder.py"), dir, "2", "256", "gray").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			b.Fatalf("torchvision: %v\n%s", err, ee.Stderr)
		}
		b.Fatalf("torchvision: %v", err)
	}
	var r struct {
		Seconds    float64
		CPUSeconds float64 `json:"cpu_seconds"`
		Images     int
		Shape      []int
	}
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("torchvision output %q: %v", out, err)
	}
	if r.Images != 70000 || !slices.Equal(r.Shape, []int{1, 28, 28}) {
		b.Fatalf("torchvision read %d images of shape %v", r.Images, r.Shape)
	}
	return [2]float64{r.Seconds, r.CPUSeconds}
}
