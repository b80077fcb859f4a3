package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gemmBenchShape is one of the matrix products of the reference MNIST models.
type gemmBenchShape struct {
	name           string
	m, n, k        int
	transA, transB bool
}

var gemmBenchShapes = []gemmBenchShape{
	{"mlp1_32x784x128", 32, 128, 784, false, false},
	{"mlp2_32x128x10", 32, 10, 128, false, false},
	{"mlp1_dW_784x32x128_tA", 784, 128, 32, true, false},
	{"mlp1_dX_32x128x784_tB", 32, 784, 128, false, true},
	{"mlp2_dW_128x32x10_tA", 128, 10, 32, true, false},
	{"conv2_6272x144x32", 6272, 32, 144, false, false},
	{"conv2_dW_144x6272x32_tA", 144, 32, 6272, true, false},
	{"conv2_dX_6272x32x144_tB", 6272, 144, 32, false, true},
	{"conv1_25088x9x16", 25088, 16, 9, false, false},
	{"dense_32x1568x128", 32, 128, 1568, false, false},
	{"dense_dW_1568x32x128_tA", 1568, 128, 32, true, false},
	{"dense_dX_32x128x1568_tB", 32, 1568, 128, false, true},
}

func benchKernels() map[string]*packedKernel {
	ks := map[string]*packedKernel{"go": goKernel, "blas": nil}
	if asmKernel != nil {
		ks["asm"] = asmKernel
	}
	return ks
}

func randomFloats(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	f := make([]float32, n)
	for i := range f {
		f[i] = r.Float32()*2 - 1
	}
	return f
}

// BenchmarkGemm reports GFLOP/s of each kernel on the reference shapes, with 1 and 2 threads.
//
//	go test -bench Gemm -run XXX ./internal/cpu/
func BenchmarkGemm(b *testing.B) {
	kernels := benchKernels()
	names := []string{"go", "asm", "blas"}
	for _, s := range gemmBenchShapes {
		a := randomFloats(s.m*s.k, 1)
		bm := randomFloats(s.k*s.n, 2)
		c := make([]float32, s.m*s.n)
		pr := gemmProblem{m: s.m, n: s.n, k: s.k, a: a, b: bm, c: c, transA: s.transA, transB: s.transB, ldc: s.n}
		pr.lda, pr.ldb = s.k, s.n
		if s.transA {
			pr.lda = s.m
		}
		if s.transB {
			pr.ldb = s.k
		}
		for _, name := range names {
			kern, ok := kernels[name]
			if !ok || (name == "blas" && !blasAvailable()) {
				continue
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", s.name, name, threads), func(b *testing.B) {
					backend, err := New(fmt.Sprintf("threads=%d", threads))
					if err != nil {
						b.Fatal(err)
					}
					defer backend.Finalize()
					st := &execState{b: backend.(*Backend)}
					st.runGemmWith(&pr, kern)
					b.ResetTimer()
					for b.Loop() {
						st.runGemmWith(&pr, kern)
					}
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
