package predict_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/predict"
)

// copyFolder copies the model folder src into a new temporary folder.
func copyFolder(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// weightsFile returns the path of dir's weights file ending in suffix.
func weightsFile(t *testing.T, dir, suffix string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "weights", "checkpoint-*"+suffix))
	if err != nil || len(m) != 1 {
		t.Fatalf("weights/checkpoint-*%s: %v %v", suffix, m, err)
	}
	return m[0]
}

// editJSON rewrites the JSON file path with edit.
func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	edit(v)
	if b, err = json.MarshalIndent(v, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// kernelDims sets the first dense kernel's dimensions in dir's weights
// description.
func kernelDims(t *testing.T, dir string, dims ...int) {
	t.Helper()
	editJSON(t, weightsFile(t, dir, ".json"), func(d map[string]any) {
		for _, v := range d["Variables"].([]any) {
			if v := v.(map[string]any); v["ParameterName"] == "var:/model/dense/kernel" {
				v["Dimensions"] = dims
			}
		}
	})
}

func overwriteStart(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, 0); err != nil {
		t.Fatal(err)
	}
}

// randomBytes replaces the file with as many random bytes.
func randomBytes(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, st.Size())
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editConfig replaces from by to in dir's config.yaml.
func editConfig(t *testing.T, dir, from, to string) {
	t.Helper()
	p := filepath.Join(dir, "config.yaml")
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), from) {
		t.Fatalf("%s: %v, or no %q in it", p, err, from)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func meta(dir string) string { return filepath.Join(dir, "model.json") }

// tampered are the damaged model folders of issue 18 and their siblings:
// each edits a copy of a good folder; want are parts of the error with
// the folder written DIR, for a folder of the current format (format 2)
// and one of format 1, which has no checksums ("" where the edit does
// not apply to it).
var tampered = []struct {
	name        string
	edit        func(t *testing.T, dir string)
	want, want1 []string
}{
	{"magic bytes overwritten", func(t *testing.T, dir string) { overwriteStart(t, weightsFile(t, dir, ".bin"), []byte("XXXXXXXX")) },
		[]string{`DIR/model.json: files: "weights/checkpoint-`, `.bin": sha256 `, "the file was changed after export"},
		[]string{"DIR/weights/checkpoint-", `.bin: not a GoMLX checkpoint's data: it starts with "XXXXXXXXeckpoints\x04gzip"`}},
	{"random bytes", func(t *testing.T, dir string) { randomBytes(t, weightsFile(t, dir, ".bin")) },
		[]string{`.bin": sha256 `, "the file was changed after export"},
		[]string{".bin: not a GoMLX checkpoint's data"}},
	{"negative dimension", func(t *testing.T, dir string) { kernelDims(t, dir, 4, -16) },
		[]string{`DIR/model.json: files: "weights/checkpoint-`, `.json": size `},
		[]string{`.json: Variables[1] "var:/model/dense/kernel": Dimensions [4 -16]: dimension 1 is -16 (each must be at least 1)`}},
	{"billion dimension", func(t *testing.T, dir string) { kernelDims(t, dir, 4, 1_000_000_000) },
		[]string{`.json": size `, "the file was changed after export"},
		[]string{`Variables[1] "var:/model/dense/kernel": Length 256, want 16000000000`}},
	{"edited classes", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { m["classes"] = []string{"a", "b", "d"} })
	}, []string{`DIR/model.json: classes: ["a" "b" "d"], but preprocessing.json's classes are ["a" "b" "c"]`}, nil},
	{"edited dataset", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { m["dataset"] = "mnist" })
	},
		[]string{`DIR/model.json: dataset: "mnist", but config.yaml says data.dataset: csv`}, nil},
	{"edited input shape", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { m["data"].(map[string]any)["Shape"] = []int{5} })
	}, []string{`DIR/model.json: data.Shape: [5], but preprocessing.json gives inputs of shape [4]`}, nil},
	{"negative input shape", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { m["data"].(map[string]any)["Shape"] = []int{-4} })
	}, []string{`DIR/model.json: data.Shape: [-4]: dimension 0 is -4`}, nil},
	{"edited number of classes", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) {
			m["data"].(map[string]any)["NumClasses"] = 4
			m["classes"] = []string{"a", "b", "c", "d"}
		})
	}, []string{`DIR/model.json: data.NumClasses: 4, but preprocessing.json gives 3`}, nil},
	{"unknown field", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { m["clases"] = []string{"x"} })
	},
		[]string{`DIR/model.json: json: unknown field "clases"`}, nil},
	{"missing files", func(t *testing.T, dir string) { editJSON(t, meta(dir), func(m map[string]any) { delete(m, "files") }) },
		[]string{"DIR/model.json: files: missing: a folder of format 2 records each file's size and SHA-256"}, nil},
	{"missing files entry", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) { delete(m["files"].(map[string]any), "weights/variables.json") })
	}, []string{"DIR/model.json: files: no entry for weights/variables.json, which loading the model reads"}, nil},
	{"extra weights file", func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, "weights", "checkpoint-z.json"), []byte("{}"), 0o644)
	}, []string{"DIR/model.json: files: no entry for weights/checkpoint-z.json"}, []string{"DIR/weights holds 2 checkpoints"}},
	{"entry outside the folder", func(t *testing.T, dir string) {
		editJSON(t, meta(dir), func(m map[string]any) {
			m["files"].(map[string]any)["../../etc/passwd"] = map[string]any{"size": 1, "sha256": strings.Repeat("0", 64)}
		})
	}, []string{`DIR/model.json: files: "../../etc/passwd": not a path inside the folder`}, nil},
	{"edited config", func(t *testing.T, dir string) { editConfig(t, dir, "units: 16", "units: 17") }, []string{`DIR/model.json: files: "config.yaml": sha256 `},
		[]string{`Variables[1] "var:/model/dense/kernel": DType Float32, Dimensions [4 16]: the model's config gives this variable the shape (Float32)[4 17]`}},
	{"edited config: eval_batch_size 0", func(t *testing.T, dir string) { editConfig(t, dir, "eval_batch_size: 32", "eval_batch_size: 0") },
		[]string{`DIR/model.json: files: "config.yaml": `, "the file was changed after export"},
		[]string{"DIR/config.yaml:34:20: train.eval_batch_size: must be > 0, got 0"}},
	{"edited config: negative units", func(t *testing.T, dir string) { editConfig(t, dir, "units: 16", "units: -16") },
		[]string{`DIR/model.json: files: "config.yaml": `, "the file was changed after export"},
		[]string{"DIR/config.yaml:15:14: model.layers[0].units: must be > 0, got -16"}},
	{"missing preprocessing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "preprocessing.json")) },
		[]string{`DIR/model.json: files: "preprocessing.json": DIR/preprocessing.json does not exist`},
		[]string{"DIR/preprocessing.json: missing or empty, and a model of dataset csv needs it"}},
}

// only2 are the cases of tampered that apply to a folder of format 2 only.
var only2 = map[string]bool{"missing files": true, "missing files entry": true, "entry outside the folder": true}

// TestTamperedFolders loads each damaged copy of testdata/species (format 2)
// and testdata/species-format1: every one is an error naming the file and
// the field, never a panic or a model that predicts NaN.
func TestTamperedFolders(t *testing.T) {
	for _, src := range []string{"testdata/species", "testdata/species-format1"} {
		for _, tt := range tampered {
			format1 := strings.HasSuffix(src, "format1")
			if format1 && only2[tt.name] {
				continue
			}
			want := tt.want
			if format1 && tt.want1 != nil {
				want = tt.want1
			}
			t.Run(filepath.Base(src)+"/"+tt.name, func(t *testing.T) {
				dir := copyFolder(t, src)
				tt.edit(t, dir)
				m, err := predict.Load(dir)
				if err == nil {
					preds, _ := m.Predict(context.Background(), predict.Tensors([]float32{1, 0, 1, 1}))
					t.Fatalf("loaded; predicts %+v", preds)
				}
				msg := strings.ReplaceAll(err.Error(), dir, "DIR")
				t.Log(msg)
				for _, w := range want {
					if !strings.Contains(msg, w) {
						t.Errorf("error:\n%s\nwant it to contain %q", msg, w)
					}
				}
			})
		}
	}
}

// TestFormat1 loads a folder written before model.json recorded checksums:
// it predicts as the current one does, with a warning that it cannot be
// checked.
func TestFormat1(t *testing.T) {
	old, err := predict.Load("testdata/species-format1")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := predict.Load("testdata/species")
	if err != nil {
		t.Fatal(err)
	}
	if w := old.Warnings(); len(w) != 1 || !strings.Contains(w[0], "testdata/species-format1 is a model folder of format 1, which records no checksums") {
		t.Errorf("warnings %q", w)
	}
	if w := cur.Warnings(); len(w) != 0 {
		t.Errorf("the current folder's warnings %q", w)
	}
	in := predict.Tensors([]float32{2, 0, 1, 2, -1, 1, 0, -1})
	a, err := old.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cur.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].Label != b[i].Label || a[i].Probability != b[i].Probability {
			t.Errorf("example %d: format 1 says %s %v, format 2 %s %v", i, a[i].Label, a[i].Probability, b[i].Label, b[i].Probability)
		}
	}
}
