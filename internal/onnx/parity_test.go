package onnx

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	_ "github.com/exp-runner/exp/internal/cpu" // the cpu backend
	"github.com/exp-runner/exp/internal/npy"
)

// The models in testdata and their reference outputs are written by
// testdata/make_models.py --small testdata (PyTorch, random weights, eval
// mode). Parity: |exp − PyTorch| ≤ 1e-4 · max(1, |PyTorch|) elementwise.
const parityTol = 1e-4

func cpuBackend(t testing.TB, config string) backends.Backend {
	t.Helper()
	be, err := backends.NewWithConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// reference reads NAME.npz next to the model: x in PyTorch's layout, y.
func reference(t testing.TB, onnxPath string) (x, y *npy.Array) {
	t.Helper()
	ref, err := npy.ReadNpz(strings.TrimSuffix(onnxPath, ".onnx")+".npz", "x", "y")
	if err != nil {
		t.Fatal(err)
	}
	return ref["x"], ref["y"]
}

// nhwc returns an NCHW array as a channels-last tensor (other ranks as is).
func nhwc(a *npy.Array) *tensors.Tensor {
	data := a.Float32()
	if len(a.Shape) != 4 {
		return tensors.FromFlatDataAndDimensions(data, a.Shape...)
	}
	n, c, h, w := a.Shape[0], a.Shape[1], a.Shape[2], a.Shape[3]
	out := make([]float32, len(data))
	for b := range n {
		for ch := range c {
			for i := range h {
				for j := range w {
					out[((b*h+i)*w+j)*c+ch] = data[((b*c+ch)*h+i)*w+j]
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(out, n, h, w, c)
}

// channelsLastRef returns a rank-4 reference output channels-last, as exp
// returns images; other ranks as they are.
func channelsLastRef(a *npy.Array) *npy.Array {
	if len(a.Shape) != 4 {
		return a
	}
	t := nhwc(a)
	return &npy.Array{Name: a.Name, Shape: t.Shape().Dimensions, DType: "float32", F32: tensors.MustCopyFlatData[float32](t)}
}

// forward runs the model on x (exp's layout) and returns its output.
func forward(t testing.TB, be backends.Backend, m *Model, opts Options, x *tensors.Tensor) (*tensors.Tensor, error) {
	t.Helper()
	ctx := mlctx.New()
	var buildErr error
	exec, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, x *graph.Node) *graph.Node {
		y, err := m.Build(ctx, x, opts, false)
		if err != nil {
			buildErr = err
			panic(err)
		}
		return y
	})
	if err != nil {
		return nil, err
	}
	out, err := exec.Exec(x)
	if buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// parityError returns the largest absolute difference and the largest
// difference relative to max(1, |reference|).
func parityError(t testing.TB, got *tensors.Tensor, want *npy.Array) (absErr, relErr float64) {
	t.Helper()
	if fmt.Sprint(got.Shape().Dimensions) != fmt.Sprint(want.Shape) {
		t.Fatalf("output shape %v, PyTorch's %v", got.Shape().Dimensions, want.Shape)
	}
	g, err := tensors.CopyFlatData[float32](got)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want.Float32() {
		d := math.Abs(float64(g[i]) - float64(w))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		absErr = max(absErr, d)
		relErr = max(relErr, d/max(1, math.Abs(float64(w))))
	}
	return absErr, relErr
}

// checkParity runs every model of dir that has a reference and fails on a
// difference beyond parityTol; it logs a table of the errors.
func checkParity(t *testing.T, dir string, skip map[string]bool) {
	be := cpuBackend(t, "cpu")
	paths, err := filepath.Glob(filepath.Join(dir, "*.onnx"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no models in %s (%v)", dir, err)
	}
	sort.Strings(paths)
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-28s %6s %10s %12s %12s %14s\n", "model", "opset", "max |ref|", "max abs err", "max rel err", "abs/max |ref|")
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".onnx")
		if skip[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			m, err := Open(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			x, y := reference(t, path)
			// Models named nhwc_* take channels-last images as they are.
			opts, in := Options{}, nhwc(x)
			if strings.HasPrefix(name, "nhwc") {
				opts.Layout = NHWC
				in = tensors.FromFlatDataAndDimensions(x.Float32(), x.Shape...)
			}
			got, err := forward(t, be, m, opts, in)
			if err != nil {
				t.Fatal(err)
			}
			absErr, relErr := parityError(t, got, channelsLastRef(y))
			maxRef := 0.0
			for _, v := range y.Float32() {
				maxRef = max(maxRef, math.Abs(float64(v)))
			}
			fmt.Fprintf(&table, "%-28s %6d %10.4g %12.3g %12.3g %14.3g\n", name, m.Opset(), maxRef, absErr, relErr, absErr/maxRef)
			if relErr > parityTol {
				t.Errorf("max error %.3g relative to max(1, |reference|), want ≤ %g (max abs error %.3g)", relErr, parityTol, absErr)
			}
		})
	}
	t.Log(table.String())
}

// TestParity compares the small committed models with PyTorch's outputs.
func TestParity(t *testing.T) {
	checkParity(t, "testdata", map[string]bool{"mixes_batch": true, "unsupported": true})
}

// TestParityLarge compares the models make_models.py --large wrote to
// $EXP_ONNX_PARITY_DIR (make parity-onnx); skipped when it is unset.
func TestParityLarge(t *testing.T) {
	dir := os.Getenv("EXP_ONNX_PARITY_DIR")
	if dir == "" {
		t.Skip("EXP_ONNX_PARITY_DIR is not set (make parity-onnx sets it)")
	}
	checkParity(t, dir, nil)
}
