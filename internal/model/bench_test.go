package model

import (
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/config"
)

// BenchmarkSeparableCNN times one training step (forward, backward, Adam) of
// configs/separable.yaml at batch 32 on MNIST-shaped inputs, on the cpu
// backend; compare with testdata/separable_torch.py.
func BenchmarkSeparableCNN(b *testing.B) {
	src, err := os.ReadFile("../../configs/separable.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse("separable.yaml", src, nil)
	if err != nil {
		b.Fatal(err)
	}
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		b.Fatal(err)
	}
	e, m := trainStep(b, cfg, be)
	x, y := batch(m, 32, false)
	if _, err := e.Exec(x, y); err != nil { // compiles
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Exec(x, y); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
}
