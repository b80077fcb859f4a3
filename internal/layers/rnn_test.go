package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/exp-runner/exp/internal/cpu"
	"github.com/exp-runner/exp/registry"
)

// rnnCase is one case of testdata/rnn_reference.json, written by
// testdata/rnn_reference.py with PyTorch: a layer's output y and the
// gradients of Σ y·w for fixed inputs and weights (Keras's layout).
type rnnCase struct {
	Layer           string               `json:"layer"`
	ReturnSequences bool                 `json:"return_sequences"`
	ResetAfter      bool                 `json:"reset_after"`
	X               []float64            `json:"x"`
	W               []float64            `json:"w"`
	Y               []float64            `json:"y"`
	YShape          []int                `json:"y_shape"`
	Kernel          []float64            `json:"kernel"`
	KernelShape     []int                `json:"kernel_shape"`
	Rec             []float64            `json:"recurrent_kernel"`
	RecShape        []int                `json:"recurrent_kernel_shape"`
	Bias            []float64            `json:"bias"`
	BiasShape       []int                `json:"bias_shape"`
	Grad            map[string][]float64 `json:"grad"`
}

type rnnReference struct {
	Batch, Timesteps, Features, Units int
	Cases                             []rnnCase
}

func loadRNNReference(t *testing.T) *rnnReference {
	t.Helper()
	b, err := os.ReadFile("testdata/rnn_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref rnnReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 6 {
		t.Fatalf("%d reference cases, want 6", len(ref.Cases))
	}
	return &ref
}

func f32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

func (c *rnnCase) name() string {
	n := c.Layer
	if c.Layer == "gru" && !c.ResetAfter {
		n += "/reset_before"
	}
	if c.ReturnSequences {
		n += "/sequences"
	}
	return n
}

func newRNN(kind string, units int, sequences, resetAfter bool) registry.Layer {
	rec := Recurrent{Units: units, Activation: "tanh", RecurrentActivation: "sigmoid", ReturnSequences: sequences}
	if kind == "lstm" {
		return &LSTM{Recurrent: rec, UnitForgetBias: true}
	}
	return &GRU{Recurrent: rec, ResetAfter: resetAfter}
}

var rnnWeights = []string{"kernel", "recurrent_kernel", "bias"}

// TestRNNReference compares the layers' output and gradients with
// PyTorch's (float64), on both backends. GoMLX's pure-Go backend runs with
// ops_sequential: its parallel executor (v0.26) sometimes deadlocks on these
// graphs, every worker waiting in a small DotGeneral for another to start.
func TestRNNReference(t *testing.T) {
	ref := loadRNNReference(t)
	for _, config := range []string{"go:ops_sequential", "cpu"} {
		t.Run(config, func(t *testing.T) {
			be, err := backends.NewWithConfig(config)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range ref.Cases {
				t.Run(c.name(), func(t *testing.T) { checkRNNCase(t, be, ref, c) })
			}
		})
	}
}

// checkRNNCase loads a reference case's weights into the layer's variables
// and compares its output and gradients with the case's.
func checkRNNCase(t *testing.T, be backends.Backend, ref *rnnReference, c rnnCase) {
	layer := newRNN(c.Layer, ref.Units, c.ReturnSequences, c.ResetAfter)
	ctx := mlctx.New()
	lctx := ctx.In("layer")
	lctx.VariableWithValue("kernel", tensors.FromFlatDataAndDimensions(f32(c.Kernel), c.KernelShape...))
	lctx.VariableWithValue("recurrent_kernel", tensors.FromFlatDataAndDimensions(f32(c.Rec), c.RecShape...))
	lctx.VariableWithValue("bias", tensors.FromFlatDataAndDimensions(f32(c.Bias), c.BiasShape...))
	e, err := mlctx.NewExec(be, ctx.Checked(false), func(ctx *mlctx.Context, x, w *graph.Node) []*graph.Node {
		lc := ctx.In("layer")
		y, err := layer.Build(lc, x)
		if err != nil {
			panic(err)
		}
		params := []*graph.Node{x}
		for _, name := range rnnWeights {
			params = append(params, lc.GetVariable(name).ValueGraph(x.Graph()))
		}
		return append([]*graph.Node{y}, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, w)), params...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(tensors.FromFlatDataAndDimensions(f32(c.X), ref.Batch, ref.Timesteps, ref.Features),
		tensors.FromFlatDataAndDimensions(f32(c.W), c.YShape...))
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Shape().Dimensions; fmt.Sprint(got) != fmt.Sprint(c.YShape) {
		t.Fatalf("output shape %v, want %v", got, c.YShape)
	}
	compareRNN(t, "y", flat(out[0]), c.Y)
	for i, name := range append([]string{"x"}, rnnWeights...) {
		compareRNN(t, "d/d"+name, flat(out[i+1]), c.Grad[name])
	}
}

// compareRef fails unless got equals want within float32 accuracy.
func compareRNN(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > 1e-5+1e-4*math.Abs(w) {
			t.Fatalf("%s[%d] = %.7g, PyTorch %.7g", what, i, got[i], w)
		}
	}
}

// TestRNNShapesAndParams checks output shapes and that the parameter counts
// are Keras's: LSTM 4·(u·(d+u)+u), GRU 3·(u·(d+u)+2u) with reset_after,
// 3·(u·(d+u)+u) without.
func TestRNNShapesAndParams(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	const b, ts, d, u = 2, 7, 5, 3
	x := tensors.FromFlatDataAndDimensions(make([]float32, b*ts*d), b, ts, d)
	for _, tt := range []struct {
		kind       string
		resetAfter bool
		params     int
	}{
		{"lstm", false, 4 * (u*(d+u) + u)},
		{"gru", true, 3 * (u*(d+u) + 2*u)},
		{"gru", false, 3 * (u*(d+u) + u)},
	} {
		for _, seq := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reset_after=%v/sequences=%v", tt.kind, tt.resetAfter, seq), func(t *testing.T) {
				ctx := mlctx.New()
				y := build(t, be, ctx, newRNN(tt.kind, u, seq, tt.resetAfter), true, x)
				want := []int{b, u}
				if seq {
					want = []int{b, ts, u}
				}
				if fmt.Sprint(y.Shape().Dimensions) != fmt.Sprint(want) {
					t.Errorf("output %v, want %v", y.Shape().Dimensions, want)
				}
				n := 0
				for v := range ctx.In("layer").IterVariablesInScope() {
					n += v.Shape().Size()
				}
				if n != tt.params {
					t.Errorf("%d parameters, want %d", n, tt.params)
				}
			})
		}
	}
}

// TestRNNInitializers checks Keras's initial weights: a glorot-uniform
// kernel, an orthogonal recurrent kernel (orthonormal rows), a zero bias
// but for LSTM's forget gate (unit_forget_bias).
func TestRNNInitializers(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	const b, ts, d, u = 2, 3, 5, 8
	x := tensors.FromFlatDataAndDimensions(make([]float32, b*ts*d), b, ts, d)
	for _, tt := range []struct {
		kind        string
		gates       int
		forgetBias  bool
		resetAfter  bool
		wantBiasOne func(i int) bool
	}{
		{"lstm", 4, true, false, func(i int) bool { return i >= u && i < 2*u }},
		{"lstm", 4, false, false, func(int) bool { return false }},
		{"gru", 3, false, true, func(int) bool { return false }},
	} {
		t.Run(fmt.Sprintf("%s/forget=%v", tt.kind, tt.forgetBias), func(t *testing.T) {
			ctx := mlctx.New()
			if err := ctx.SetRNGStateFromSeed(7); err != nil {
				t.Fatal(err)
			}
			layer := newRNN(tt.kind, u, false, tt.resetAfter)
			if l, ok := layer.(*LSTM); ok {
				l.UnitForgetBias = tt.forgetBias
			}
			build(t, be, ctx, layer, true, x)
			get := func(name string) []float32 { return flat(ctx.GetVariableByScopeAndName("/layer", name).MustValue()) }
			limit := math.Sqrt(6.0 / float64(d+tt.gates*u))
			for _, v := range get("kernel") {
				if math.Abs(float64(v)) > limit {
					t.Fatalf("kernel value %g outside ±%g", v, limit)
				}
			}
			checkOrthonormalRows(t, get("recurrent_kernel"), u, tt.gates*u)
			for i, v := range get("bias") {
				if want := tt.wantBiasOne(i); (want && v != 1) || (!want && v != 0) {
					t.Fatalf("bias[%d] = %g", i, v)
				}
			}
		})
	}
}

func checkOrthonormalRows(t *testing.T, q []float32, rows, cols int) {
	t.Helper()
	for i := range rows {
		for j := range rows {
			var dot float64
			for k := range cols {
				dot += float64(q[i*cols+k]) * float64(q[j*cols+k])
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(dot-want) > 1e-5 {
				t.Fatalf("recurrent kernel rows %d·%d = %g, want %g", i, j, dot, want)
			}
		}
	}
}

// errReporter records Validate's problems as "key: message".
type errReporter struct {
	path string
	errs *[]string
	keys map[string]bool
}

func (r errReporter) Field(name string) registry.Reporter {
	return errReporter{path: strings.TrimPrefix(r.path+"."+name, "."), errs: r.errs}
}
func (r errReporter) Index(i int) registry.Reporter {
	return errReporter{path: fmt.Sprintf("%s[%d]", r.path, i), errs: r.errs}
}
func (r errReporter) Has(name string) bool { return r.keys[name] }
func (r errReporter) Errorf(format string, args ...any) {
	*r.errs = append(*r.errs, r.path+": "+fmt.Sprintf(format, args...))
}

func TestRNNErrors(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"lstm", "gru"} {
		layer := newRNN(kind, 4, false, true)
		g := graph.NewGraph(be, "errors")
		_, buildErr := layer.Build(mlctx.New(), graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 128)))
		want := "needs 3-D input (batch, timesteps, features), got (None, 128)"
		if buildErr == nil || buildErr.Error() != want {
			t.Errorf("%s on (None, 128): %v, want %q", kind, buildErr, want)
		}
		g.Finalize()

		var errs []string
		bad := newRNN(kind, 0, false, true)
		switch l := bad.(type) {
		case *LSTM:
			l.Activation, l.RecurrentActivation = "tanhh", "sigmoidd"
		case *GRU:
			l.Activation, l.RecurrentActivation = "tanhh", "sigmoidd"
		}
		bad.Validate(errReporter{errs: &errs, keys: map[string]bool{"units": true}})
		got := strings.Join(errs, "\n")
		for _, want := range []string{"units: must be > 0, got 0", `activation: unknown activation "tanhh"`, `recurrent_activation: unknown activation "sigmoidd"`} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: Validate reported\n%s\nwant %q", kind, got, want)
			}
		}
	}
}

// rnnLogits adds layers (the recurrent ones and a linear dense layer of
// classes units) on x and returns the logits.
func rnnLogits(ctx *mlctx.Context, x *graph.Node, classes int, layers ...registry.Layer) *graph.Node {
	var err error
	for i, l := range layers {
		if x, err = l.Build(ctx.In(fmt.Sprintf("rnn%d", i)), x); err != nil {
			panic(err)
		}
	}
	dense := &Dense{Units: classes, Activation: "linear", UseBias: true}
	if x, err = dense.Build(ctx.In("dense"), x); err != nil {
		panic(err)
	}
	return x
}

// rnnTrainer returns an executable of one Adam step (learning rate lr) of
// the classifier rnnLogits on a batch x, labels; it returns the mean loss.
func rnnTrainer(t testing.TB, be backends.Backend, ctx *mlctx.Context, lr float64, classes int, layers ...registry.Layer) *mlctx.Exec {
	opt := optimizers.Adam().LearningRate(lr).Done()
	e, err := mlctx.NewExec(be, ctx.Checked(false), func(ctx *mlctx.Context, x, labels *graph.Node) *graph.Node {
		g := x.Graph()
		ctx.SetTraining(g, true)
		logits := rnnLogits(ctx, x, classes, layers...)
		picked := graph.Mul(graph.LogSoftmax(logits), graph.OneHot(labels, classes, logits.DType()))
		loss := graph.Neg(graph.DivScalar(graph.ReduceAllSum(picked), float64(x.Shape().Dimensions[0])))
		opt.UpdateGraph(ctx, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sumSign returns n random sequences of ±1 (timesteps odd, one feature)
// labelled 1 when their sum is positive.
func sumSign(r *rand.Rand, n, timesteps int) (*tensors.Tensor, *tensors.Tensor) {
	x, labels := make([]float32, n*timesteps), make([]int32, n)
	for i := range n {
		sum := float32(0)
		for j := range timesteps {
			v := float32(1)
			if r.IntN(2) == 0 {
				v = -1
			}
			x[i*timesteps+j], sum = v, sum+v
		}
		if sum > 0 {
			labels[i] = 1
		}
	}
	return tensors.FromFlatDataAndDimensions(x, n, timesteps, 1), tensors.FromFlatDataAndDimensions(labels, n)
}

// TestRNNLearns trains each layer to tell whether a sequence of ±1 sums
// to a positive number (chance: 50%) and checks its accuracy on fresh
// sequences.
func TestRNNLearns(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	const timesteps, batch, steps = 9, 64, 200
	for _, tt := range []struct {
		kind       string
		resetAfter bool
	}{{"lstm", false}, {"gru", true}, {"gru", false}} {
		t.Run(fmt.Sprintf("%s/reset_after=%v", tt.kind, tt.resetAfter), func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			ctx := mlctx.New()
			if err := ctx.SetRNGStateFromSeed(1); err != nil {
				t.Fatal(err)
			}
			layer := newRNN(tt.kind, 8, false, tt.resetAfter)
			train := rnnTrainer(t, be, ctx, 0.02, 2, layer)
			for range steps {
				x, labels := sumSign(r, batch, timesteps)
				train.MustExec(x, labels)
			}
			x, labels := sumSign(r, 500, timesteps)
			eval, err := mlctx.NewExec(be, ctx.Reuse(), func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
				ctx.SetTraining(x.Graph(), false)
				return graph.ArgMax(rnnLogits(ctx, x, 2, layer), -1, dtypes.Int32)
			})
			if err != nil {
				t.Fatal(err)
			}
			pred := eval.MustExec(x)[0]
			if acc := accuracy(tensors.MustCopyFlatData[int32](pred), tensors.MustCopyFlatData[int32](labels)); acc < 0.9 {
				t.Errorf("accuracy %.3f after %d steps, want ≥ 0.9", acc, steps)
			}
		})
	}
}

func accuracy(pred, labels []int32) float64 {
	right := 0
	for i := range pred {
		if pred[i] == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(pred))
}

// TestRNNNoFallback checks with the cpu backend's op profile that a
// training step of each layer (forward, backward, Adam), on a stack of two
// so that the gradient also flows to a layer's input, runs every op natively:
// none through the slow per-op simplego fallback.
func TestRNNNoFallback(t *testing.T) {
	be, err := backends.NewWithConfig("cpu:profile")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, tt := range []struct {
		kind       string
		resetAfter bool
	}{{"lstm", false}, {"gru", true}, {"gru", false}} {
		t.Run(fmt.Sprintf("%s/reset_after=%v", tt.kind, tt.resetAfter), func(t *testing.T) {
			ctx := mlctx.New()
			train := rnnTrainer(t, be, ctx, 0.01, 3,
				newRNN(tt.kind, 5, true, tt.resetAfter), newRNN(tt.kind, 4, false, tt.resetAfter))
			_, x := randTensor(r, 2, 6, 3)
			labels := tensors.FromFlatDataAndDimensions([]int32{0, 2}, 2)
			train.MustExec(x, labels) // also initializes the variables
			be.(*cpu.Backend).ProfileReport(io.Discard, 0)
			train.MustExec(x, labels)
			var report bytes.Buffer
			be.(*cpu.Backend).ProfileReport(&report, 0)
			if !strings.Contains(report.String(), "DotGeneral") {
				t.Fatalf("the profile has no matrix product: did the step run?\n%s", report.String())
			}
			for _, line := range strings.Split(report.String(), "\n") {
				if strings.Contains(line, "(fallback)") {
					t.Errorf("op through simplego: %s", strings.TrimSpace(line))
				}
			}
		})
	}
}

// BenchmarkRNNTrainStep measures one Adam step of a small recurrent
// classifier on the cpu backend, MNIST's rows as a sequence: batch 32,
// 28 timesteps of 28 features, 64 units, a dense layer of 10 classes
// (testdata/rnn_bench.py is the same in PyTorch).
//
//	go test -run XXX -bench RNNTrainStep ./internal/layers/
func BenchmarkRNNTrainStep(b *testing.B) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		b.Fatal(err)
	}
	const batch, timesteps, features = 32, 28, 28
	r := rand.New(rand.NewPCG(15, 16))
	_, x := randTensor(r, batch, timesteps, features)
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32(r.IntN(10))
	}
	lt := tensors.FromFlatDataAndDimensions(labels, batch)
	for _, kind := range []string{"lstm", "gru"} {
		b.Run(kind, func(b *testing.B) {
			train := rnnTrainer(b, be, mlctx.New(), 0.001, 10, newRNN(kind, 64, false, true))
			for range 3 {
				train.MustExec(x, lt)
			}
			b.ResetTimer()
			for range b.N {
				train.MustExec(x, lt)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/step")
		})
	}
}
