package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// buildRandomGraph builds, with the backend's Builder directly, a random graph of elementwise, shape and
// reduction ops over [4,6] float32 parameters, exercising buffer reuse (many consumers, in-place ops, outputs
// that are intermediate values or parameters). The same seed builds the same graph on any backend.
func buildRandomGraph(t *testing.T, backend backends.Backend, seed uint64, numParams int) backends.Executable {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := backend.Builder(fmt.Sprintf("random%d", seed))
	shape := shapes.Make(dtypes.Float32, 4, 6)
	var pool []backends.Op
	for i := range numParams {
		p, err := b.Parameter(fmt.Sprintf("p%d", i), shape, nil)
		if err != nil {
			t.Fatal(err)
		}
		pool = append(pool, p)
	}
	pick := func() backends.Op { return pool[rng.IntN(len(pool))] }
	must := func(op backends.Op, err error) backends.Op {
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	for range 30 {
		var op backends.Op
		switch rng.IntN(9) {
		case 0:
			op = must(b.Add(pick(), pick()))
		case 1:
			op = must(b.Mul(pick(), pick()))
		case 2:
			op = must(b.Sub(pick(), pick()))
		case 3:
			op = must(b.Neg(pick()))
		case 4:
			op = must(b.Tanh(pick()))
		case 5:
			x := must(b.Transpose(pick(), 1, 0))
			op = must(b.Transpose(must(b.Abs(x)), 1, 0))
		case 6:
			x := must(b.Reshape(pick(), 24))
			op = must(b.Reshape(must(b.Sqrt(must(b.Abs(x)))), 4, 6))
		case 7:
			r := must(b.ReduceSum(pick(), 1))
			r = must(b.Reshape(r, 4, 1))
			op = must(b.Mul(pick(), must(b.BroadcastInDim(r, shape, []int{0, 1}))))
		case 8:
			r := must(b.ReduceMax(pick(), 0))
			op = must(b.Add(must(b.Reshape(r, 1, 6)), pick()))
		}
		pool = append(pool, op)
	}
	// Outputs: a few random nodes (maybe parameters, maybe repeated) and the last one.
	outputs := []backends.Op{pool[len(pool)-1]}
	for range 4 {
		o := pick()
		dup := false
		for _, prev := range outputs {
			if prev == o {
				dup = true
			}
		}
		if !dup {
			outputs = append(outputs, o)
		}
	}
	exec, err := b.Compile(outputs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return exec
}

func TestRandomGraphs(t *testing.T) {
	const numParams = 4
	for seed := range uint64(60) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			var results [2][][]float32
			for bi, backend := range []backends.Backend{goBackend(t), cpuBackend(t)} {
				exec := buildRandomGraph(t, backend, seed, numParams)
				rng := rand.New(rand.NewPCG(seed, 8))
				inputs := make([]backends.Buffer, numParams)
				donate := make([]bool, numParams)
				for i := range inputs {
					flat := make([]float32, 24)
					for j := range flat {
						flat[j] = rng.Float32()*2 - 1
					}
					var err error
					inputs[i], err = backend.BufferFromFlatData(0, flat, shapes.Make(dtypes.Float32, 4, 6))
					if err != nil {
						t.Fatal(err)
					}
					donate[i] = rng.IntN(2) == 0
				}
				outs, err := exec.Execute(inputs, donate, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outs {
					shape, _ := backend.BufferShape(o)
					flat := make([]float32, shape.Size())
					if err := backend.BufferToFlatData(o, flat); err != nil {
						t.Fatal(err)
					}
					results[bi] = append(results[bi], flat)
					_ = backend.BufferFinalize(o)
				}
				exec.Finalize()
			}
			for i := range results[0] {
				if err := compareFlat(results[0][i], results[1][i], 1e-5); err != nil {
					t.Fatalf("output #%d: %v", i, err)
				}
			}
		})
	}
}

// TestConcurrentExecutions runs the same executable from several goroutines at once (and repeatedly), with
// threads=2 so the worker pool is shared.
func TestConcurrentExecutions(t *testing.T) {
	backend := cpuBackendWith(t, "threads=2")
	exec := buildRandomGraph(t, backend, 3, 4)
	defer exec.Finalize()
	inputs := make([]backends.Buffer, 4)
	for i := range inputs {
		flat := make([]float32, 24)
		for j := range flat {
			flat[j] = float32(i*24+j) / 50
		}
		inputs[i], _ = backend.BufferFromFlatData(0, flat, shapes.Make(dtypes.Float32, 4, 6))
	}
	runOnce := func() []float32 {
		outs, err := exec.Execute(inputs, nil, 0)
		if err != nil {
			t.Error(err)
			return nil
		}
		var all []float32
		for _, o := range outs {
			shape, _ := backend.BufferShape(o)
			flat := make([]float32, shape.Size())
			_ = backend.BufferToFlatData(o, flat)
			all = append(all, flat...)
			_ = backend.BufferFinalize(o)
		}
		return all
	}
	want := runOnce()
	done := make(chan []float32)
	for range 8 {
		go func() {
			var last []float32
			for range 50 {
				last = runOnce()
			}
			done <- last
		}()
	}
	for range 8 {
		if err := compareFlat(want, <-done, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A larger product, split across the threads, from several goroutines.
	b := backend.Builder("dot")
	x, _ := b.Parameter("x", shapes.Make(dtypes.Float32, 300, 200), nil)
	y, _ := b.Parameter("y", shapes.Make(dtypes.Float32, 200, 300), nil)
	dot, _ := b.Dot(x, y)
	dotExec, err := b.Compile([]backends.Op{dot}, nil)
	if err != nil {
		t.Fatal(err)
	}
	xb, _ := backend.BufferFromFlatData(0, randomFloats(60000, 1), shapes.Make(dtypes.Float32, 300, 200))
	yb, _ := backend.BufferFromFlatData(0, randomFloats(60000, 2), shapes.Make(dtypes.Float32, 200, 300))
	dotOnce := func() []float32 {
		outs, err := dotExec.Execute([]backends.Buffer{xb, yb}, nil, 0)
		if err != nil {
			t.Error(err)
			return nil
		}
		flat := make([]float32, 90000)
		_ = backend.BufferToFlatData(outs[0], flat)
		_ = backend.BufferFinalize(outs[0])
		return flat
	}
	wantDot := dotOnce()
	for range 4 {
		go func() {
			var last []float32
			for range 10 {
				last = dotOnce()
			}
			done <- last
		}()
	}
	for range 4 {
		if err := compareFlat(wantDot, <-done, 0); err != nil {
			t.Fatal(err)
		}
	}
}
