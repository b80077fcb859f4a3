package onnx_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/config"
	_ "github.com/exp-runner/exp/internal/cpu"
	_ "github.com/exp-runner/exp/internal/datasets"
	_ "github.com/exp-runner/exp/internal/layers"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/onnx"
	"github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/registry"
)

// newModel returns exp's model of the layers, with Adam at lr on inputs of
// the given shape and classes.
func newModel(t testing.TB, lr float64, shape []int, classes int, layers ...string) *model.Model {
	t.Helper()
	src := "train: {optimizer: adam}\nmodel:\n  layers:\n"
	for _, l := range layers {
		src += "    - " + l + "\n"
	}
	cfg, err := config.Parse("test.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Info, m.LearningRate = registry.DataInfo{Shape: shape, NumClasses: classes}, lr
	return m
}

// quadrants returns n 16×16×3 noisy images, each with a bright 8×8 square in
// one quadrant, its class.
func quadrants(r *rand.Rand, n int) (*tensors.Tensor, *tensors.Tensor) {
	x := make([]float32, n*16*16*3)
	y := make([]int32, n)
	for e := range n {
		q := r.IntN(4)
		y[e] = int32(q)
		for i := range 16 {
			for j := range 16 {
				for c := range 3 {
					v := float32(r.NormFloat64()) * 0.5
					if i/8 == q/2 && j/8 == q%2 {
						v += 1.5
					}
					x[((e*16+i)*16+j)*3+c] = v
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(x, n, 16, 16, 3), tensors.FromFlatDataAndDimensions(y, n)
}

// snapshot returns the values of the variables whose scope starts with prefix.
func snapshot(t testing.TB, ctx *mlctx.Context, prefix string) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), prefix) {
			val, err := tensors.CopyFlatData[float32](v.MustValue())
			if err != nil {
				t.Fatal(err)
			}
			out[v.ScopeAndName()] = val
		}
	}
	return out
}

// TestTransfer trains a dense head on the CNN backbone, cut at its
// flattened features, frozen and then fully trainable, with exp's training
// step (Adam): frozen weights must not move nor get optimizer state, trained
// ones must; BatchNorm's statistics never move; both must learn the task.
func TestTransfer(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	for _, trainable := range []bool{false, true} {
		name := map[bool]string{false: "frozen", true: "trainable"}[trainable]
		t.Run(name, func(t *testing.T) {
			layer := "{type: onnx, path: testdata/cnn_bn_preserve_op13.onnx, output: /Flatten_output_0, trainable: " +
				map[bool]string{false: "false", true: "true"}[trainable] + "}"
			m := newModel(t, 0.01, []int{16, 16, 3}, 4, layer, "{type: dense, units: 4, activation: softmax}")
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			train, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				t.Fatal(err)
			}
			eval, err := mlctx.NewExec(be, ctx.Reuse(), m.EvalStep)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(5, 6))
			x, y := quadrants(r, 64)
			if _, err := train.Exec(x, y); err != nil { // creates the variables
				t.Fatal(err)
			}
			before := snapshot(t, ctx, model.Scope+"/onnx/ONNX")
			if len(before) != 12 {
				t.Fatalf("%d ONNX variables, want the file's 12 initializers", len(before))
			}
			for range 60 {
				x, y := quadrants(r, 32)
				if _, err := train.Exec(x, y); err != nil {
					t.Fatal(err)
				}
			}
			after := snapshot(t, ctx, model.Scope+"/onnx/ONNX")
			for k, v := range before {
				moved := !slices.Equal(v, after[k])
				stat := strings.Contains(k, "running_")
				switch {
				case stat && moved:
					t.Errorf("BatchNorm statistic %s moved", k)
				case !trainable && moved:
					t.Errorf("frozen weight %s moved", k)
				case trainable && !stat && !moved:
					t.Errorf("trainable weight %s did not move", k)
				}
			}
			slots := snapshot(t, ctx, optim.Scope+"/")
			onnxSlots := 0
			for k := range slots {
				if strings.Contains(k, "/ONNX") {
					onnxSlots++
				}
			}
			// Adam keeps two slots per trained weight: the 12 initializers the
			// cut reads less the 4 running statistics of its 2 BatchNorms.
			if want := map[bool]int{false: 0, true: 2 * 8}[trainable]; onnxSlots != want {
				t.Errorf("%d optimizer slots for ONNX weights, want %d", onnxSlots, want)
			}
			xt, yt := quadrants(r, 256)
			out, err := eval.Exec(xt, yt)
			if err != nil {
				t.Fatal(err)
			}
			if acc := tensors.ToScalar[float32](out[1]) / 256; acc < 0.9 {
				t.Errorf("accuracy %.3f after 60 steps, want ≥ 0.9", acc)
			}
		})
	}
}

// TestNoFallback runs a training step of each small model, fully
// trainable, under a dense head, on the cpu backend with its op profile on,
// and fails if any op of the forward or backward pass ran through simplego.
func TestNoFallback(t *testing.T) {
	be, err := backends.NewWithConfig("cpu:profile")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file  string
		shape []int
	}{
		{"cnn_bn_preserve_op13", []int{16, 16, 3}},
		{"zoo_op17", []int{12, 12, 3}},
		{"transformer_op17", []int{6, 32}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			layers := []string{"{type: onnx, path: testdata/" + tt.file + ".onnx, trainable: true}"}
			if len(tt.shape) == 2 {
				layers = append(layers, "{type: flatten}")
			}
			m := newModel(t, 0.001, tt.shape, 3, append(layers, "{type: dense, units: 3}")...)
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			train, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, 8))
			data := make([]float32, 4*m.Inputs(1).Size())
			for i := range data {
				data[i] = float32(r.NormFloat64())
			}
			x := tensors.FromFlatDataAndDimensions(data, m.Inputs(4).Dimensions...)
			y := tensors.FromFlatDataAndDimensions([]int32{0, 1, 2, 1}, 4)
			train.MustExec(x, y) // also initializes the variables
			be.(interface{ ProfileReport(io.Writer, int) }).ProfileReport(io.Discard, 0)
			train.MustExec(x, y)
			var report bytes.Buffer
			be.(interface{ ProfileReport(io.Writer, int) }).ProfileReport(&report, 0)
			if !strings.Contains(report.String(), "DotGeneral") {
				t.Fatalf("the profile has no matrix product: did the step run?\n%s", report.String())
			}
			if testing.Verbose() {
				t.Log(report.String())
			}
			for _, line := range strings.Split(report.String(), "\n") {
				if strings.Contains(line, "(fallback)") {
					t.Errorf("op through simplego: %s", strings.TrimSpace(line))
				}
			}
		})
	}
}

// BenchmarkBackbone measures a torchvision backbone (resnet18 or
// mobilenet_v2) exported to $EXP_ONNX_BENCH_MODEL (make bench-onnx writes
// it), on the cpu backend at batch 8 of 224×224 images: the forward pass,
// and an Adam step of a dense head of 10 classes on the pooled features
// (cut at /Flatten_output_0) with the backbone frozen, then fully trainable
// (testdata/bench_torch.py does the same in PyTorch).
// $EXP_ONNX_BENCH_PROFILE set prints the cpu backend's op profile.
func BenchmarkBackbone(b *testing.B) {
	path := os.Getenv("EXP_ONNX_BENCH_MODEL")
	if path == "" {
		b.Skip("EXP_ONNX_BENCH_MODEL is not set (make bench-onnx sets it)")
	}
	config := "cpu"
	if os.Getenv("EXP_ONNX_BENCH_PROFILE") != "" {
		config = "cpu:profile"
	}
	be, err := backends.NewWithConfig(config)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 8
	r := rand.New(rand.NewPCG(9, 10))
	data := make([]float32, batch*224*224*3)
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	x := tensors.FromFlatDataAndDimensions(data, batch, 224, 224, 3)
	y := tensors.FromFlatDataAndDimensions([]int32{0, 1, 2, 3, 4, 5, 6, 7}, batch)
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/step")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*batch), "ms/image")
		if p, ok := be.(interface{ ProfileReport(io.Writer, int) }); ok && config != "cpu" {
			p.ProfileReport(os.Stderr, 25)
		}
	}
	b.Run("forward", func(b *testing.B) {
		m, err := onnx.Open(path, 0)
		if err != nil {
			b.Fatal(err)
		}
		ctx := mlctx.New()
		exec, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
			y, err := m.Build(ctx, x, onnx.Options{}, false)
			if err != nil {
				panic(err)
			}
			return y
		})
		if err != nil {
			b.Fatal(err)
		}
		exec.MustExec(x)
		b.ResetTimer()
		for range b.N {
			exec.MustExec(x)
		}
		report(b)
	})
	for _, trainable := range []string{"false", "true"} {
		name := map[string]string{"false": "train_frozen", "true": "train_full"}[trainable]
		b.Run(name, func(b *testing.B) {
			m := newModel(b, 0.001, []int{224, 224, 3}, 10,
				"{type: onnx, path: "+path+", output: /Flatten_output_0, trainable: "+trainable+"}",
				"{type: dense, units: 10, activation: softmax}")
			ctx := mlctx.New()
			ctx.SetRNGStateFromSeed(1)
			train, err := mlctx.NewExec(be, ctx, m.TrainStep)
			if err != nil {
				b.Fatal(err)
			}
			train.MustExec(x, y)
			b.ResetTimer()
			for range b.N {
				train.MustExec(x, y)
			}
			report(b)
		})
	}
}
