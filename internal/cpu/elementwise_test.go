package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var testShapes = [][]int{{}, {1}, {7}, {3, 4}, {2, 3, 5}, {32, 10}}

func TestUnaryOps(t *testing.T) {
	type unaryCase struct {
		name   string
		fn     func(*Node) *Node
		dtypes []dtypes.DType
		lo, hi float64
	}
	floats := []dtypes.DType{dtypes.Float32, dtypes.Float64}
	signed := []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64, dtypes.Int8}
	ints := []dtypes.DType{dtypes.Int32, dtypes.Int64, dtypes.Uint8, dtypes.Uint32, dtypes.Uint64}
	cases := []unaryCase{
		{"Neg", Neg, signed, -10, 10},
		{"Abs", Abs, append(signed, dtypes.Uint8), -10, 10},
		{"Sign", Sign, append(signed, dtypes.Uint32), -3, 3},
		{"Exp", Exp, floats, -5, 5},
		{"Expm1", Expm1, floats, -2, 2},
		{"Log", Log, floats, 0.01, 10},
		{"Log1p", Log1p, floats, -0.5, 10},
		{"Sqrt", Sqrt, floats, 0, 10},
		{"Rsqrt", Rsqrt, floats, 0.01, 10},
		{"Tanh", Tanh, floats, -4, 4},
		{"Logistic", Logistic, floats, -20, 20},
		{"Erf", Erf, floats, -3, 3},
		{"Floor", Floor, floats, -5, 5},
		{"Ceil", Ceil, floats, -5, 5},
		{"Round", Round, floats, -5, 5},
		{"Cos", Cos, floats, -5, 5},
		{"Sin", Sin, floats, -5, 5},
		{"IsFinite", IsFinite, floats, -5, 5},
		{"IsNaN", IsNaN, floats, -5, 5},
		{"BitwiseNot", BitwiseNot, ints, 0, 100},
		{"LogicalNot", LogicalNot, []dtypes.DType{dtypes.Bool}, 0, 1},
		{"BitCount(fallback)", BitCount, []dtypes.DType{dtypes.Int32, dtypes.Uint8}, 0, 100},
	}
	rng := newRng(1)
	for _, c := range cases {
		for _, dt := range c.dtypes {
			for _, dims := range testShapes {
				t.Run(fmt.Sprintf("%s/%s/%v", c.name, dt, dims), func(t *testing.T) {
					x := randomTensor(rng, dt, c.lo, c.hi, dims...)
					compareBackends(t, func(ins []*Node) []*Node { return []*Node{c.fn(ins[0])} }, []*tensors.Tensor{x}, 1e-6)
				})
			}
		}
	}
}

func TestBinaryOps(t *testing.T) {
	type binaryCase struct {
		name   string
		fn     func(a, b *Node) *Node
		dtypes []dtypes.DType
		lo, hi float64 // For the rhs; lhs is in [-10, 10).
	}
	nums := []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64, dtypes.Uint8}
	floats := []dtypes.DType{dtypes.Float32, dtypes.Float64}
	ints := []dtypes.DType{dtypes.Int32, dtypes.Int64, dtypes.Uint32}
	bools := []dtypes.DType{dtypes.Bool}
	cases := []binaryCase{
		{"Add", Add, nums, -10, 10},
		{"Sub", Sub, nums, -10, 10},
		{"Mul", Mul, nums, -10, 10},
		{"Div", Div, nums, 1, 10},
		{"Max", Max, nums, -10, 10},
		{"Min", Min, nums, -10, 10},
		{"Rem", Rem, nums, 1, 7},
		{"Pow", Pow, floats, -2, 2},
		{"PowInt", Pow, []dtypes.DType{dtypes.Int32, dtypes.Int64}, 0, 4},
		{"BitwiseAnd", BitwiseAnd, ints, 0, 100},
		{"BitwiseOr", BitwiseOr, ints, 0, 100},
		{"BitwiseXor", BitwiseXor, ints, 0, 100},
		{"LogicalAnd", LogicalAnd, bools, 0, 1},
		{"LogicalOr", LogicalOr, bools, 0, 1},
		{"LogicalXor", LogicalXor, bools, 0, 1},
		{"Equal", Equal, nums, -3, 3},
		{"NotEqual", NotEqual, nums, -3, 3},
		{"GreaterThan", GreaterThan, nums, -3, 3},
		{"GreaterOrEqual", GreaterOrEqual, nums, -3, 3},
		{"LessThan", LessThan, nums, -3, 3},
		{"LessOrEqual", LessOrEqual, nums, -3, 3},
	}
	shapePairs := [][2][]int{
		{{}, {}}, {{5}, {5}}, {{3, 4}, {3, 4}}, {{}, {3, 4}}, {{3, 4}, {}}, {{1}, {6}}, {{3, 1}, {1, 4}},
		{{32, 10}, {32, 1}}, {{1, 10}, {32, 10}}, {{2, 3, 4}, {1, 3, 1}}, {{4, 1, 5, 3}, {4, 6, 1, 3}},
		{{2, 3, 4, 5}, {1, 1, 1, 5}},
	}
	rng := newRng(2)
	for _, c := range cases {
		for _, dt := range c.dtypes {
			for _, sp := range shapePairs {
				t.Run(fmt.Sprintf("%s/%s/%v%v", c.name, dt, sp[0], sp[1]), func(t *testing.T) {
					lo := -10.0
					if dt.IsUnsigned() || c.name == "PowInt" {
						lo = 0
					}
					a := randomTensor(rng, dt, lo, 10, sp[0]...)
					b := randomTensor(rng, dt, max(c.lo, lo), c.hi, sp[1]...)
					compareBackends(t, func(ins []*Node) []*Node { return []*Node{c.fn(ins[0], ins[1])} }, []*tensors.Tensor{a, b}, 1e-6)
				})
			}
		}
	}
}

func TestWhereClampConvert(t *testing.T) {
	rng := newRng(3)
	for _, dims := range testShapes {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Int32, dtypes.Bool, dtypes.Float64} {
			t.Run(fmt.Sprintf("Where/%s/%v", dt, dims), func(t *testing.T) {
				cond := randomTensor(rng, dtypes.Bool, 0, 1, dims...)
				a := randomTensor(rng, dt, -5, 5, dims...)
				b := randomTensor(rng, dt, -5, 5, dims...)
				s := randomTensor(rng, dt, -5, 5)
				compareBackends(t, func(ins []*Node) []*Node {
					return []*Node{Where(ins[0], ins[1], ins[2]), Where(ins[0], ins[3], ins[2]), Where(ins[0], ins[1], ins[3])}
				}, []*tensors.Tensor{cond, a, b, s}, 0)
			})
		}
		t.Run(fmt.Sprintf("Clamp/%v", dims), func(t *testing.T) {
			x := randomTensor(rng, dtypes.Float32, -5, 5, dims...)
			compareBackends(t, func(ins []*Node) []*Node {
				g := ins[0].Graph()
				return []*Node{Clip(ins[0], Const(g, float32(-1)), Const(g, float32(2)))}
			}, []*tensors.Tensor{x}, 0)
		})
	}
	all := []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64, dtypes.Uint8, dtypes.Int8, dtypes.Uint32, dtypes.Uint64, dtypes.Bool}
	for _, from := range all {
		for _, to := range all {
			t.Run(fmt.Sprintf("ConvertDType/%s->%s", from, to), func(t *testing.T) {
				x := randomTensor(rng, from, 0, 100, 3, 7)
				compareBackends(t, func(ins []*Node) []*Node { return []*Node{ConvertDType(ins[0], to)} }, []*tensors.Tensor{x}, 0)
			})
		}
	}
}

// TestInPlace checks chains of ops on donated/intermediate buffers, where outputs reuse the inputs' storage.
func TestInPlace(t *testing.T) {
	rng := newRng(4)
	x := randomTensor(rng, dtypes.Float32, -5, 5, 4, 8)
	y := randomTensor(rng, dtypes.Float32, -5, 5, 4, 8)
	compareBackends(t, func(ins []*Node) []*Node {
		a := Add(ins[0], ins[1])
		b := Mul(a, a)                // Same input twice.
		c := Sub(b, ins[0])           // b is last used here.
		d := Exp(Neg(Abs(c)))         // Chain of unary ops.
		e := Reshape(d, 8, 4)         // Reshape of an intermediate.
		f := Add(e, Reshape(a, 8, 4)) // a used again after b.
		return []*Node{f, a, Reshape(ins[0], 32), ins[1]}
	}, []*tensors.Tensor{x, y}, 1e-6)
}

// TestBroadcastFolding checks binary ops whose operands are explicit broadcasts, read without materializing them.
func TestBroadcastFolding(t *testing.T) {
	rng := newRng(15)
	a := randomTensor(rng, dtypes.Float32, -5, 5, 4, 5)
	v := randomTensor(rng, dtypes.Float32, -5, 5, 5)
	w := randomTensor(rng, dtypes.Float32, -5, 5, 4)
	s := randomTensor(rng, dtypes.Float32, -5, 5)
	compareBackends(t, func(ins []*Node) []*Node {
		a, v, w, s := ins[0], ins[1], ins[2], ins[3]
		bv := BroadcastToDims(InsertAxes(v, 0), 4, 5)
		bw := BroadcastToDims(InsertAxes(w, -1), 4, 5)
		bs := BroadcastToDims(s, 4, 5)
		b3 := BroadcastToDims(InsertAxes(InsertAxes(v, 0), 0), 3, 4, 5)
		return []*Node{
			Add(a, bv), Sub(bw, a), Mul(bv, bw), Div(a, bs), Max(bs, bs),
			Add(b3, BroadcastToDims(InsertAxes(a, 0), 3, 4, 5)), Mul(bv, bv), Add(bv, a), bv,
			GreaterThan(bw, bv), Where(GreaterThan(a, bs), bv, bw),
		}
	}, []*tensors.Tensor{a, v, w, s}, 1e-6)
}

// TestVectorizedExact checks the vectorized float32 loops (used for long vectors) give exactly simplego's
// values, including special values.
func TestVectorizedExact(t *testing.T) {
	rng := newRng(16)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 1e-40, -1e-40, math.MaxFloat32, -math.MaxFloat32, 1, -1}
	for _, n := range []int{64, 100, 1000, 1031} {
		x := randomTensor(rng, dtypes.Float32, -100, 100, n)
		y := randomTensor(rng, dtypes.Float32, -100, 100, n)
		x.MutableFlatData(func(flat any) { copy(flat.([]float32), special) })
		y.MutableFlatData(func(flat any) {
			f := flat.([]float32)
			for i := range special {
				f[len(f)-1-i] = special[i]
			}
			f[len(special)] = 0
		})
		s := randomTensor(rng, dtypes.Float32, -3, 3)
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				x, y, s := ins[0], ins[1], ins[2]
				return []*Node{
					Add(x, y), Sub(x, y), Mul(x, y), Div(x, y),
					Add(x, s), Sub(x, s), Mul(x, s), Div(x, s),
					Add(s, x), Sub(s, x), Mul(s, x), Div(s, x),
					Sqrt(x), Neg(x), Sign(x), Sqrt(Abs(y)),
				}
			}, []*tensors.Tensor{x, y, s}, 0)
		})
	}
}

// TestVectorizedBroadcastExact checks the vectorized row/column broadcasting, Max with a scalar and column sums.
func TestVectorizedBroadcastExact(t *testing.T) {
	rng := newRng(17)
	type pair struct{ a, b []int }
	pairs := []pair{
		{[]int{100, 16}, []int{1, 16}}, {[]int{1, 16}, []int{100, 16}}, {[]int{37, 100}, []int{37, 1}},
		{[]int{37, 1}, []int{37, 100}}, {[]int{3, 200}, []int{1, 200}}, {[]int{1, 200}, []int{3, 200}},
		{[]int{50, 3}, []int{1, 3}}, {[]int{8, 7, 7, 16}, []int{1, 1, 1, 16}}, {[]int{1, 1, 1, 32}, []int{8, 7, 7, 32}},
	}
	for _, p := range pairs {
		a := randomTensor(rng, dtypes.Float32, -10, 10, p.a...)
		b := randomTensor(rng, dtypes.Float32, 1, 10, p.b...)
		t.Run(fmt.Sprintf("%v%v", p.a, p.b), func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node {
				a, b := ins[0], ins[1]
				return []*Node{Add(a, b), Sub(a, b), Mul(a, b), Div(a, b), Sub(b, a), Div(b, a)}
			}, []*tensors.Tensor{a, b}, 0)
		})
	}
	x := randomTensor(rng, dtypes.Float32, -10, 10, 1000)
	x.MutableFlatData(func(flat any) {
		f := flat.([]float32)
		f[3], f[5], f[7] = float32(math.NaN()), float32(math.Copysign(0, -1)), 0
	})
	t.Run("Max", func(t *testing.T) {
		compareBackends(t, func(ins []*Node) []*Node {
			g := ins[0].Graph()
			out := []*Node{}
			for _, s := range []float64{0, math.Copysign(0, -1), -1, 2.5, math.NaN()} {
				c := Const(g, float32(s))
				out = append(out, Max(ins[0], c), Max(c, ins[0]))
			}
			return out
		}, []*tensors.Tensor{x}, 0)
	})
	for _, dims := range [][]int{{1000, 16}, {500, 8}, {300, 32}, {7, 7, 7, 16}} {
		s := randomTensor(rng, dtypes.Float32, -10, 10, dims...)
		t.Run(fmt.Sprintf("ColSum%v", dims), func(t *testing.T) {
			axes := make([]int, len(dims)-1)
			for i := range axes {
				axes[i] = i
			}
			compareBackends(t, func(ins []*Node) []*Node { return []*Node{ReduceSum(ins[0], axes...)} }, []*tensors.Tensor{s}, 0)
		})
	}
}

// TestDonation executes a graph with donated inputs (also the same buffer given twice), checking the results
// and that donated buffers are consumed.
func TestDonation(t *testing.T) {
	backend := cpuBackend(t)
	b := backend.Builder("donation")
	shape := shapes.Make(dtypes.Float32, 100)
	x, _ := b.Parameter("x", shape, nil)
	y, _ := b.Parameter("y", shape, nil)
	sum, _ := b.Add(x, y)
	prod, _ := b.Mul(sum, x)
	exec, err := b.Compile([]backends.Op{prod, y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]float32, 100)
	for i := range xs {
		xs[i] = float32(i)
	}
	xb, _ := backend.BufferFromFlatData(0, xs, shape)
	// Same buffer as x and y, donated for x: it must not be overwritten while still needed as y.
	outs, err := exec.Execute([]backends.Buffer{xb, xb}, []bool{true, false}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 100)
	if err := backend.BufferToFlatData(outs[0], got); err != nil {
		t.Fatal(err)
	}
	gotY := make([]float32, 100)
	if err := backend.BufferToFlatData(outs[1], gotY); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if want := 2 * float32(i) * float32(i); got[i] != want || gotY[i] != float32(i) {
			t.Fatalf("element %d: got %g and %g, want %g and %d", i, got[i], gotY[i], want, i)
		}
	}
	// Donated buffers are consumed.
	xb2, _ := backend.BufferFromFlatData(0, xs, shape)
	yb2, _ := backend.BufferFromFlatData(0, xs, shape)
	if _, err := exec.Execute([]backends.Buffer{xb2, yb2}, []bool{true, true}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Execute([]backends.Buffer{xb2, yb2}, []bool{false, false}, 0); err == nil {
		t.Fatal("executing with donated (consumed) buffers should fail")
	}
}

// TestElementwiseThreads checks large elementwise ops split across threads give the same results.
func TestElementwiseThreads(t *testing.T) {
	rng := newRng(19)
	a := randomTensor(rng, dtypes.Float32, -5, 5, 300, 1024)
	b := randomTensor(rng, dtypes.Float32, 1, 5, 300, 1024)
	row := randomTensor(rng, dtypes.Float32, 1, 5, 1, 1024)
	col := randomTensor(rng, dtypes.Float32, 1, 5, 300, 1)
	fn := func(ins []*Node) []*Node {
		a, b, row, col := ins[0], ins[1], ins[2], ins[3]
		return []*Node{Add(a, b), Mul(a, row), Div(col, a), Sub(row, a), Div(a, col), Exp(Neg(Abs(a))), Max(a, b)}
	}
	inputs := []*tensors.Tensor{a, b, row, col}
	ref, _ := run(t, cpuBackendWith(t, "threads=1"), fn, inputs)
	for _, config := range []string{"threads=2", "threads=3"} {
		got, _ := run(t, cpuBackendWith(t, config), fn, inputs)
		for i := range ref {
			if err := compareFlat(ref[i], got[i], 0); err != nil {
				t.Fatalf("%s output #%d: %v", config, i, err)
			}
		}
	}
	compareBackends(t, fn, inputs, 0)
}
