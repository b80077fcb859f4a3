package cpu

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// BackendName is the name under which the backend is registered: use it in GOMLX_BACKEND
// or backends.NewWithConfig, e.g. "cpu" or "cpu:threads=2".
const BackendName = "cpu"

func init() {
	backends.Register(BackendName, New)
}

// Backend implements backends.Backend for the cpu backend.
type Backend struct {
	threads  int
	workers  *workerPool
	pool     *bufferPool
	gemmMode gemmMode

	// convFallback forces all convolutions through simplego (for debugging and tests).
	convFallback bool

	// profile, if not nil, accumulates the execution time per op (for debugging, see profile.go).
	profile *opProfile

	// fallback is the simplego backend used to run the ops not implemented natively.
	fallbackOnce sync.Once
	fallback     backends.Backend
	fallbackErr  error

	finalized atomic.Bool
}

// Compile-time check.
var _ backends.Backend = (*Backend)(nil)

// New creates a cpu backend. The config is a comma-separated list of options:
//
//   - threads=N: number of goroutines used by large matrix products and convolutions
//     (default runtime.GOMAXPROCS(0)).
//   - gemm=auto|go|asm|blas: force one matrix-multiplication kernel (default auto,
//     chosen per shape); an unavailable kernel falls back to "go".
//   - conv=native|fallback: "fallback" runs every convolution through simplego (for debugging).
//   - profile: accumulate the execution time of each op, reported by ProfileReport (for debugging).
func New(config string) (backends.Backend, error) {
	b := &Backend{
		threads: runtime.GOMAXPROCS(0),
		pool:    newBufferPool(),
	}
	for _, part := range strings.Split(config, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, _ := strings.Cut(part, "=")
		switch key {
		case "threads":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("backend %q: invalid threads=%q: want a positive integer", BackendName, value)
			}
			b.threads = n
		case "gemm":
			mode, ok := parseGemmMode(value)
			if !ok {
				return nil, fmt.Errorf("backend %q: invalid gemm=%q: want one of auto, go, asm, blas", BackendName, value)
			}
			b.gemmMode = mode
		case "profile":
			b.profile = newOpProfile()
		case "conv":
			switch value {
			case "native", "":
				b.convFallback = false
			case "fallback":
				b.convFallback = true
			default:
				return nil, fmt.Errorf("backend %q: invalid conv=%q: want native or fallback", BackendName, value)
			}
		default:
			return nil, fmt.Errorf("backend %q: unknown config option %q (known: threads=N, gemm=auto|go|asm|blas, conv=native|fallback)",
				BackendName, key)
		}
	}
	b.workers = newWorkerPool(b.threads)
	return b, nil
}

// Threads returns the number of goroutines used for parallel kernels.
func (b *Backend) Threads() int { return b.threads }

// Name implements backends.Backend.
func (b *Backend) Name() string { return BackendName }

// String implements backends.Backend.
func (b *Backend) String() string { return BackendName }

// Description implements backends.Backend.
func (b *Backend) Description() string {
	return fmt.Sprintf("exp cpu backend (threads=%d, gemm kernels: %s)", b.threads, strings.Join(availableGemmKernels(), ","))
}

// NumDevices implements backends.Backend: there is one device.
func (b *Backend) NumDevices() int { return 1 }

// DeviceDescription implements backends.Backend.
func (b *Backend) DeviceDescription(deviceNum backends.DeviceNum) string {
	return fmt.Sprintf("cpu#%d", deviceNum)
}

// Capabilities implements backends.Backend: everything the simplego ("go") backend supports, since
// ops not implemented natively are executed through it, plus the ops implemented only natively here.
func (b *Backend) Capabilities() backends.Capabilities {
	c := simplego.Capabilities.Clone()
	for _, op := range extraNativeOps {
		c.Operations[op] = true
	}
	return c
}

// extraNativeOps are ops the cpu backend implements natively that simplego doesn't support.
var extraNativeOps = []backends.OpType{
	backends.OpTypePad,
	backends.OpTypeReverse,
	backends.OpTypeSelectAndScatterMax,
	backends.OpTypeSelectAndScatterMin,
}

// Builder implements backends.Backend.
func (b *Backend) Builder(name string) backends.Builder {
	return newBuilder(b, name)
}

// Finalize implements backends.Backend.
func (b *Backend) Finalize() {
	if b.finalized.Swap(true) {
		return
	}
	b.workers.close()
	b.pool.clear()
	if b.fallback != nil {
		b.fallback.Finalize()
	}
}

// IsFinalized implements backends.Backend.
func (b *Backend) IsFinalized() bool { return b.finalized.Load() }

// fallbackBackend returns the simplego backend used for ops not implemented natively.
func (b *Backend) fallbackBackend() (backends.Backend, error) {
	b.fallbackOnce.Do(func() {
		b.fallback, b.fallbackErr = simplego.New("ops_sequential")
	})
	return b.fallback, b.fallbackErr
}
