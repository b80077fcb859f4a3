package cpu

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var (
	configBackendsMu sync.Mutex
	configBackends   = map[string]backends.Backend{}
)

// cpuBackendWith returns a shared cpu backend for the config (e.g. "gemm=go,threads=3").
func cpuBackendWith(t testing.TB, config string) backends.Backend {
	configBackendsMu.Lock()
	defer configBackendsMu.Unlock()
	if b, ok := configBackends[config]; ok {
		return b
	}
	b, err := backends.NewWithConfig("cpu:" + config)
	if err != nil {
		t.Fatalf("NewWithConfig(cpu:%s): %v", config, err)
	}
	configBackends[config] = b
	return b
}

// gemmConfigs are the backend configurations exercising each kernel and thread split.
func gemmConfigs() []string {
	configs := []string{"gemm=go,threads=1", "gemm=go,threads=3"}
	if asmKernel != nil {
		configs = append(configs, "gemm=asm,threads=1", "gemm=asm,threads=2")
	}
	if blasAvailable() {
		configs = append(configs, "gemm=blas,threads=1", "gemm=blas,threads=2")
	}
	return append(configs, "")
}

var intDotCases = map[string]bool{"MatMul": true, "Vector": true, "MatVec": true}

func TestDotGeneral(t *testing.T) {
	rng := newRng(9)
	type dotCase struct {
		name       string
		lhs, rhs   []int
		lc, lb     []int
		rc, rb     []int
		onlyFloats bool
	}
	cases := []dotCase{
		{"MatMul", []int{5, 7}, []int{7, 3}, []int{1}, nil, []int{0}, nil, false},
		{"MLP1", []int{32, 784}, []int{784, 128}, []int{1}, nil, []int{0}, nil, true},
		{"MLP2", []int{32, 128}, []int{128, 10}, []int{1}, nil, []int{0}, nil, true},
		{"GradW1", []int{32, 784}, []int{32, 128}, []int{0}, nil, []int{0}, nil, true},
		{"GradX2", []int{32, 10}, []int{128, 10}, []int{1}, nil, []int{1}, nil, true},
		{"ConvIm2col", []int{6272, 144}, []int{144, 32}, []int{1}, nil, []int{0}, nil, true},
		{"Dense1568", []int{32, 1568}, []int{1568, 128}, []int{1}, nil, []int{0}, nil, true},
		{"TransBoth", []int{9, 13}, []int{17, 9}, []int{0}, nil, []int{1}, nil, false},
		{"Batched", []int{3, 5, 7}, []int{3, 7, 4}, []int{2}, []int{0}, []int{1}, []int{0}, false},
		{"BatchedTrans", []int{3, 7, 5}, []int{3, 4, 7}, []int{1}, []int{0}, []int{2}, []int{0}, false},
		{"BatchMiddle", []int{5, 3, 7}, []int{7, 3, 4}, []int{2}, []int{1}, []int{0}, []int{1}, false},
		{"MultiContract", []int{2, 3, 4, 5}, []int{4, 2, 6}, []int{2, 0}, nil, []int{0, 1}, nil, false},
		{"Vector", []int{7}, []int{7}, []int{0}, nil, []int{0}, nil, false},
		{"MatVec", []int{5, 7}, []int{7}, []int{1}, nil, []int{0}, nil, false},
		{"Outer", []int{5}, []int{6}, nil, nil, nil, nil, false},
		{"Edges", []int{37, 301}, []int{301, 45}, []int{1}, nil, []int{0}, nil, true},
		{"LargeK", []int{19, 700}, []int{700, 21}, []int{1}, nil, []int{0}, nil, true},
	}
	for _, c := range cases {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32} {
			if c.onlyFloats && dt != dtypes.Float32 {
				continue
			}
			if dt == dtypes.Int32 && !intDotCases[c.name] {
				// simplego's integer DotGeneral panics on these layouts: it can't be the reference.
				continue
			}
			configs := []string{""}
			if dt == dtypes.Float32 {
				configs = gemmConfigs()
			}
			lhs := randomTensor(rng, dt, -3, 3, c.lhs...)
			rhs := randomTensor(rng, dt, -3, 3, c.rhs...)
			for _, config := range configs {
				t.Run(fmt.Sprintf("%s/%s/%s", c.name, dt, config), func(t *testing.T) {
					compareWith(t, cpuBackendWith(t, config), func(ins []*Node) []*Node {
						return []*Node{DotGeneral(ins[0], c.lc, c.lb, ins[1], c.rc, c.rb)}
					}, []*tensors.Tensor{lhs, rhs}, 1e-4)
				})
			}
		}
	}
}

// TestGemmDeterminism checks that the Go and assembly kernels give bit-identical results for any thread count.
func TestGemmDeterminism(t *testing.T) {
	rng := newRng(10)
	lhs := randomTensor(rng, dtypes.Float32, -1, 1, 301, 333)
	rhs := randomTensor(rng, dtypes.Float32, -1, 1, 333, 77)
	fn := func(ins []*Node) []*Node { return []*Node{Dot(ins[0], ins[1])} }
	kernels := []string{"go"}
	if asmKernel != nil {
		kernels = append(kernels, "asm")
	}
	for _, k := range kernels {
		ref, _ := run(t, cpuBackendWith(t, "gemm="+k+",threads=1"), fn, []*tensors.Tensor{lhs, rhs})
		for _, threads := range []int{2, 3, 5} {
			got, _ := run(t, cpuBackendWith(t, fmt.Sprintf("gemm=%s,threads=%d", k, threads)), fn, []*tensors.Tensor{lhs, rhs})
			if err := compareFlat(ref[0], got[0], 0); err != nil {
				t.Errorf("kernel %s, threads=%d differs from threads=1: %v", k, threads, err)
			}
		}
	}
}
