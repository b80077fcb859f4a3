package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var (
	goBackendOnce  sync.Once
	goBackendInst  backends.Backend
	cpuBackendOnce sync.Once
	cpuBackendInst backends.Backend
)

// goBackend returns the shared simplego backend, the reference of the tests.
func goBackend(t testing.TB) backends.Backend {
	goBackendOnce.Do(func() {
		var err error
		// Sequential: simplego's parallel op execution has data races (seen with -race).
		goBackendInst, err = backends.NewWithConfig("go:ops_sequential")
		if err != nil {
			panic(err)
		}
	})
	return goBackendInst
}

var (
	goBenchOnce sync.Once
	goBenchInst backends.Backend
)

// goBenchBackend returns a simplego backend with its default configuration (ops run in parallel), for the
// speed comparisons.
func goBenchBackend(t testing.TB) backends.Backend {
	goBenchOnce.Do(func() {
		var err error
		goBenchInst, err = backends.NewWithConfig("go")
		if err != nil {
			panic(err)
		}
	})
	return goBenchInst
}

// cpuBackend returns the shared cpu backend with the default configuration.
func cpuBackend(t testing.TB) backends.Backend {
	cpuBackendOnce.Do(func() {
		var err error
		cpuBackendInst, err = backends.NewWithConfig("cpu")
		if err != nil {
			panic(err)
		}
	})
	return cpuBackendInst
}

// run executes fn on the backend with the given inputs and returns the outputs' flat values and shapes.
func run(t testing.TB, backend backends.Backend, fn func(ins []*Node) []*Node, inputs []*tensors.Tensor) (flats []any, outShapes []shapes.Shape) {
	t.Helper()
	exec, err := NewExec(backend, fn)
	if err != nil {
		t.Fatalf("NewExec on %s: %v", backend.Name(), err)
	}
	defer exec.Finalize()
	args := make([]any, len(inputs))
	for i, in := range inputs {
		c, err := in.LocalClone()
		if err != nil {
			t.Fatalf("LocalClone: %v", err)
		}
		args[i] = c
	}
	outs, err := exec.Exec(args...)
	if err != nil {
		t.Fatalf("Exec on %s: %v", backend.Name(), err)
	}
	for _, o := range outs {
		outShapes = append(outShapes, o.Shape())
		o.MustConstFlatData(func(flat any) {
			v := reflect.ValueOf(flat)
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			flats = append(flats, c.Interface())
		})
		o.MustFinalizeAll()
	}
	return
}

// compareBackends runs fn on simplego and on cpu and checks the outputs match within tol (relative, for
// floats; integers and booleans must be equal).
func compareBackends(t *testing.T, fn func(ins []*Node) []*Node, inputs []*tensors.Tensor, tol float64) {
	t.Helper()
	compareWith(t, cpuBackend(t), fn, inputs, tol)
}

func compareWith(t *testing.T, backend backends.Backend, fn func(ins []*Node) []*Node, inputs []*tensors.Tensor, tol float64) {
	t.Helper()
	want, wantShapes := run(t, goBackend(t), fn, inputs)
	got, gotShapes := run(t, backend, fn, inputs)
	if len(want) != len(got) {
		t.Fatalf("got %d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if !wantShapes[i].Equal(gotShapes[i]) {
			t.Fatalf("output #%d: got shape %s, want %s", i, gotShapes[i], wantShapes[i])
		}
		if err := compareFlat(want[i], got[i], tol); err != nil {
			t.Fatalf("output #%d (%s): %v", i, wantShapes[i], err)
		}
	}
}

// compareFlat compares flat slices: for floats |a-b| <= tol*(max(|a|,|b|) + maxAbs(want)) to allow for
// cancellations in reductions; NaNs must match.
func compareFlat(want, got any, tol float64) error {
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	if wv.Type() != gv.Type() || wv.Len() != gv.Len() {
		return fmt.Errorf("type/len mismatch: %T[%d] vs %T[%d]", want, wv.Len(), got, gv.Len())
	}
	switch w := want.(type) {
	case []float32, []float64:
		n := wv.Len()
		maxAbs := 0.0
		for i := range n {
			if a := math.Abs(wv.Index(i).Float()); !math.IsInf(a, 0) && !math.IsNaN(a) {
				maxAbs = max(maxAbs, a)
			}
		}
		bad := 0
		var firstErr error
		for i := range n {
			a, b := wv.Index(i).Float(), gv.Index(i).Float()
			if math.IsNaN(a) || math.IsNaN(b) {
				if math.IsNaN(a) != math.IsNaN(b) {
					bad++
					if firstErr == nil {
						firstErr = fmt.Errorf("element %d: want %g, got %g", i, a, b)
					}
				}
				continue
			}
			if a == b {
				continue
			}
			if math.Abs(a-b) > tol*(max(math.Abs(a), math.Abs(b))+maxAbs) {
				bad++
				if firstErr == nil {
					firstErr = fmt.Errorf("element %d: want %.9g, got %.9g (diff %g)", i, a, b, a-b)
				}
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d/%d elements differ, first: %w", bad, n, firstErr)
		}
		return nil
	default:
		_ = w
		if !reflect.DeepEqual(want, got) {
			for i := range wv.Len() {
				if !reflect.DeepEqual(wv.Index(i).Interface(), gv.Index(i).Interface()) {
					return fmt.Errorf("element %d: want %v, got %v", i, wv.Index(i).Interface(), gv.Index(i).Interface())
				}
			}
		}
		return nil
	}
}

// randomTensor returns a tensor of the given dtype and dimensions with values drawn with rng.
// Floats are in [lo, hi); integers in [lo, hi) too (clamped to the dtype's range).
func randomTensor(rng *rand.Rand, dtype dtypes.DType, lo, hi float64, dims ...int) *tensors.Tensor {
	shape := shapes.Make(dtype, dims...)
	n := shape.Size()
	draw := func() float64 { return lo + rng.Float64()*(hi-lo) }
	switch dtype {
	case dtypes.Float32:
		flat := make([]float32, n)
		for i := range flat {
			flat[i] = float32(draw())
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Float64:
		flat := make([]float64, n)
		for i := range flat {
			flat[i] = draw()
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Int32:
		flat := make([]int32, n)
		for i := range flat {
			flat[i] = int32(math.Floor(draw()))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Int64:
		flat := make([]int64, n)
		for i := range flat {
			flat[i] = int64(math.Floor(draw()))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Int8:
		flat := make([]int8, n)
		for i := range flat {
			flat[i] = int8(max(-128, min(127, math.Floor(draw()))))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Uint8:
		flat := make([]uint8, n)
		for i := range flat {
			flat[i] = uint8(max(0, min(255, math.Floor(draw()))))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Uint32:
		flat := make([]uint32, n)
		for i := range flat {
			flat[i] = uint32(max(0, math.Floor(draw())))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Uint64:
		flat := make([]uint64, n)
		for i := range flat {
			flat[i] = uint64(max(0, math.Floor(draw())))
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	case dtypes.Bool:
		flat := make([]bool, n)
		for i := range flat {
			flat[i] = rng.IntN(2) == 1
		}
		return tensors.FromFlatDataAndDimensions(flat, dims...)
	}
	panic(fmt.Sprintf("randomTensor: dtype %s not supported", dtype))
}

func newRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 42)) }
