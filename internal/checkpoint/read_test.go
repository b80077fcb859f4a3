package checkpoint

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// saved writes a small checkpoint (a 4×16 kernel, a bias, an optimizer
// step, the RNG state) as epoch 1 under a new folder and returns its
// folder and its three files' paths: variables.json, description, data.
func saved(t *testing.T, kernel []float32) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	ctx := mlctx.New()
	if kernel == nil {
		kernel = make([]float32, 64)
		for i := range kernel {
			kernel[i] = float32(i) / 64
		}
	}
	k := make([][]float32, 4)
	for i := range k {
		k[i] = kernel[i*16 : (i+1)*16]
	}
	ctx.In("model").In("dense").VariableWithValue("kernel", k)
	ctx.In("model").In("dense").VariableWithValue("bias", make([]float32, 16))
	ctx.InAbsPath("/optimizer").VariableWithValue("iterations", int64(42)).SetTrainable(false)
	if err := ctx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, 1, ctx); err != nil {
		t.Fatal(err)
	}
	path := Path(dir, 1)
	files, err := Files(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		files[i] = filepath.Join(path, files[i])
	}
	return path, files
}

// editDescription rewrites the description file's variable named name
// with edit.
func editDescription(t *testing.T, path, name string, edit func(v map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range d["Variables"].([]any) {
		if v := v.(map[string]any); v["ParameterName"] == name {
			edit(v)
			found = true
		}
	}
	if !found {
		t.Fatalf("no variable %s in %s", name, path)
	}
	if b, err = json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const kernelName = "var:/model/dense/kernel"

// modelWant is what a model with that dense layer expects.
var modelWant = map[string]shapes.Shape{
	kernelName:              shapes.Make(dtypes.Float32, 4, 16),
	"var:/model/dense/bias": shapes.Make(dtypes.Float32, 16),
}

// TestLoadCorrupt damages a checkpoint in each way a user's disk or hand
// can, and checks that loading it is an error naming the file and the
// field, allocating nothing the files cannot back, and leaving the
// context untouched.
func TestLoadCorrupt(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, path string, files []string)
		o      LoadOptions
		want   []string // in the error, after replacing the folder by DIR
	}{
		{"magic bytes overwritten", func(t *testing.T, _ string, f []string) { overwrite(t, f[2], 0, []byte("XXXXXXXX")) },
			LoadOptions{}, []string{"DIR/checkpoint-", ".bin: its CRC-32C is", "the file is corrupt"}},
		{"random bytes", func(t *testing.T, _ string, f []string) { randomize(t, f[2], rnd, 0) },
			LoadOptions{}, []string{".bin: its CRC-32C is", "the file is corrupt"}},
		{"one byte changed", func(t *testing.T, _ string, f []string) { overwrite(t, f[2], 100, []byte{0x7f}) },
			LoadOptions{}, []string{".bin: its CRC-32C is", "the file is corrupt"}},
		{"truncated data", func(t *testing.T, _ string, f []string) { truncate(t, f[2], 30) },
			LoadOptions{}, []string{".bin: "}},
		{"data after the end", func(t *testing.T, _ string, f []string) { appendBytes(t, f[2], []byte("more")) },
			LoadOptions{}, []string{".bin: 4 bytes more than the variables", "the file is corrupt"}},
		{"negative dimension", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Dimensions"] = []int{4, -16} })
		}, LoadOptions{}, []string{`.json: Variables[0] "var:/model/dense/kernel": Dimensions [4 -16]: dimension 1 is -16 (each must be at least 1)`}},
		{"zero dimension", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Dimensions"] = []int{0, 16} })
		}, LoadOptions{}, []string{`Dimensions [0 16]: dimension 0 is 0`}},
		{"billion dimension", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Dimensions"] = []int{4, 1_000_000_000} })
		}, LoadOptions{MaxBytes: 64 << 30}, []string{`Variables[0] "var:/model/dense/kernel": Length 256, want 16000000000 (4000000000 values of Float32)`}},
		{"billion dimension, length to match", func(t *testing.T, _ string, f []string) {
			billion(t, f[1])
		}, LoadOptions{MaxBytes: 64 << 30}, []string{`.bin: truncated: it has`, `describes take 16000000104`}},
		{"billion dimension, beyond memory", func(t *testing.T, _ string, f []string) {
			billion(t, f[1])
		}, LoadOptions{MaxBytes: 1 << 30}, []string{`Dimensions [4 1000000000]: more than the 1.1 GB this machine has`}},
		{"billion dimension, expected shape", func(t *testing.T, _ string, f []string) {
			billion(t, f[1])
		}, LoadOptions{Want: modelWant, MaxBytes: 64 << 30}, []string{`Dimensions [4 1000000000]: the model's config gives this variable the shape (Float32)[4 16]`}},
		{"several problems at once", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Dimensions"] = []int{-4, 16} })
			editDescription(t, f[1], "var:/model/dense/bias", func(v map[string]any) { v["DType"] = "Float99" })
		}, LoadOptions{}, []string{"dimension 0 is -4", `DType "Float99": not a data type GoMLX stores`}},
		{"length", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Length"] = 255 })
		}, LoadOptions{}, []string{"Length 255, want 256 (64 values of Float32)", "Pos 256, want 255"}},
		{"shape the model does not expect", func(t *testing.T, _ string, f []string) {
			editDescription(t, f[1], kernelName, func(v map[string]any) { v["Dimensions"] = []int{16, 4} })
		}, LoadOptions{Want: modelWant}, []string{"Dimensions [16 4]: the model's config gives this variable the shape (Float32)[4 16]"}},
		{"variable the model needs", func(t *testing.T, _ string, f []string) {}, LoadOptions{Want: map[string]shapes.Shape{
			"var:/model/dense_1/kernel": shapes.Make(dtypes.Float32, 16, 3)}}, []string{`Variables: no variable "var:/model/dense_1/kernel", which the model needs`}},
		{"no variables.json", func(t *testing.T, _ string, f []string) { os.Remove(f[0]) },
			LoadOptions{}, []string{"is incomplete", "variables.json"}},
		{"variables.json lists more", func(t *testing.T, _ string, f []string) {
			os.WriteFile(f[0], []byte(`{"/model/dense/kernel": true, "/model/gone/kernel": true}`), 0o644)
		}, LoadOptions{}, []string{`variables.json lists "/model/gone/kernel", which checkpoint-`}},
		{"two checkpoints", func(t *testing.T, path string, f []string) {
			copyTo(t, f[1], filepath.Join(path, "checkpoint-z.json"))
		}, LoadOptions{}, []string{"holds 2 checkpoints"}},
		{"data file is a FIFO", func(t *testing.T, _ string, f []string) {
			os.Remove(f[2])
			if err := syscall.Mkfifo(f[2], 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, LoadOptions{}, []string{".bin is not a regular file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, files := saved(t, nil)
			tt.damage(t, path, files)
			ctx := mlctx.New()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := LoadWith(path, "checkpoint", ctx, tt.o)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := strings.ReplaceAll(err.Error(), path, "DIR")
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error:\n%s\nwant it to contain %q", msg, w)
				}
			}
			if ctx.NumVariables() != 0 {
				t.Errorf("a failed load left %d variables in the context", ctx.NumVariables())
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
				t.Errorf("a failed load allocated %d bytes", n)
			}
		})
	}
}

// billion declares the kernel 4×10⁹ values, with the length to match and
// the variables after it moved along.
func billion(t *testing.T, path string) {
	editDescription(t, path, kernelName, func(v map[string]any) {
		v["Dimensions"] = []int{4, 1_000_000_000}
		v["Length"] = 16_000_000_000
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	json.Unmarshal(b, &d)
	pos := 0.0
	for _, v := range d["Variables"].([]any) {
		v := v.(map[string]any)
		v["Pos"] = pos
		pos += v["Length"].(float64)
	}
	b, _ = json.Marshal(d)
	os.WriteFile(path, b, 0o644)
}

// TestLoadOptions: Want and Only load the model's variables only, with
// their values; Finite refuses NaN weights.
func TestLoadOptions(t *testing.T) {
	path, _ := saved(t, nil)
	ctx := mlctx.New()
	if err := LoadWith(path, "checkpoint", ctx, LoadOptions{Want: modelWant, Only: true, Finite: true}); err != nil {
		t.Fatal(err)
	}
	if ctx.NumVariables() != 2 {
		t.Errorf("%d variables loaded, want the model's 2", ctx.NumVariables())
	}
	k := ctx.GetVariableByScopeAndName("/model/dense", "kernel").MustValue().Value().([][]float32)
	if k[3][15] != 63.0/64 || !ctx.GetVariableByScopeAndName("/model/dense", "kernel").Trainable {
		t.Errorf("kernel[3][15] = %v, want %v, trainable", k[3][15], 63.0/64)
	}

	w := make([]float32, 64)
	w[17], w[40] = float32(math.NaN()), float32(math.Inf(-1))
	path, _ = saved(t, w)
	err := LoadWith(path, "checkpoint", mlctx.New(), LoadOptions{Finite: true})
	if err == nil || !strings.Contains(err.Error(), `variable "var:/model/dense/kernel" holds 2 NaN or infinite values of 64`) {
		t.Errorf("NaN weights: %v", err)
	}
	if err := LoadWith(path, "checkpoint", mlctx.New(), LoadOptions{}); err != nil {
		t.Errorf("NaN weights without Finite (a resume): %v", err)
	}
}

func overwrite(t *testing.T, path string, at int64, b []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// randomize replaces the bytes of path from offset from with random ones.
func randomize(t *testing.T, path string, rnd *rand.Rand, from int) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < len(b); i++ {
		b[i] = byte(rnd.UintN(256))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, n int64) {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()-n); err != nil {
		t.Fatal(err)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func copyTo(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadOptional: Optional variables are loaded, with their shapes
// checked, when the checkpoint holds them, and not required when it does
// not (a frozen backbone's weights, read from its file).
func TestLoadOptional(t *testing.T) {
	path, _ := saved(t, nil)
	bias := map[string]shapes.Shape{"var:/model/dense/bias": modelWant["var:/model/dense/bias"]}
	kernel := map[string]shapes.Shape{kernelName: modelWant[kernelName]}
	absent := map[string]shapes.Shape{"var:/model/onnx/ONNX/w": shapes.Make(dtypes.Float32, 3)}
	ctx := mlctx.New()
	if err := LoadWith(path, "checkpoint", ctx, LoadOptions{Want: kernel, Optional: mergeShapes(bias, absent), Only: true}); err != nil {
		t.Fatal(err)
	}
	if ctx.NumVariables() != 2 || ctx.GetVariableByScopeAndName("/model/dense", "bias") == nil {
		t.Errorf("%d variables loaded, want the kernel and the optional bias", ctx.NumVariables())
	}
	wrong := map[string]shapes.Shape{"var:/model/dense/bias": shapes.Make(dtypes.Float32, 15)}
	err := LoadWith(path, "checkpoint", mlctx.New(), LoadOptions{Want: kernel, Optional: wrong, Only: true})
	if err == nil || !strings.Contains(err.Error(), "the model's config gives this variable the shape (Float32)[15]") {
		t.Errorf("an optional variable of another shape: %v", err)
	}
}

func mergeShapes(ms ...map[string]shapes.Shape) map[string]shapes.Shape {
	out := map[string]shapes.Shape{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
