package cli

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer/infertest"
)

// species is the committed model folder of package predict's examples (a
// three-class CSV model, format 2) and the same model in format 1.
const (
	species        = "../../predict/testdata/species"
	speciesFormat1 = "../../predict/testdata/species-format1"
)

// copyModel copies the model folder src into a new temporary folder.
func copyModel(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// weightsOf returns dir's weights file ending in suffix.
func weightsOf(t *testing.T, dir, suffix string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "weights", "checkpoint-*"+suffix))
	if len(m) != 1 {
		t.Fatalf("weights/checkpoint-*%s: %v", suffix, m)
	}
	return m[0]
}

// rewriteJSON applies edit to the JSON file path.
func rewriteJSON(t *testing.T, path string, edit func(map[string]any)) {
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
	b, _ = json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// setKernel sets the first dense kernel's dimensions in the weights'
// description of dir.
func setKernel(dims ...int) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		rewriteJSON(t, weightsOf(t, dir, ".json"), func(d map[string]any) {
			for _, v := range d["Variables"].([]any) {
				if v := v.(map[string]any); v["ParameterName"] == "var:/model/dense/kernel" {
					v["Dimensions"] = dims
				}
			}
		})
	}
}

// TestTamperedModelFolder runs exp predict and exp evaluate on damaged
// copies of a model folder, of the current format and of format 1: each
// exits 2 with an error naming the file and the field, allocating nothing
// the damage declares. A clean folder of format 1 predicts, with a warning.
func TestTamperedModelFolder(t *testing.T) {
	rows := infertest.WriteCSV(t, t.TempDir(), "rows.csv", "x1,color,x2,species\n1.5,red,0.9,a\n1.2,blue,-1.4,b\n-1.1,red,-0.2,c\n")
	for _, tt := range []struct {
		name string
		src  string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"magic bytes overwritten", species, func(t *testing.T, dir string) {
			f, _ := os.OpenFile(weightsOf(t, dir, ".bin"), os.O_WRONLY, 0)
			f.WriteAt([]byte("XXXXXXXX"), 0)
			f.Close()
		}, `.bin": sha256 `},
		{"random bytes", species, func(t *testing.T, dir string) {
			p := weightsOf(t, dir, ".bin")
			b, _ := os.ReadFile(p)
			r := rand.New(rand.NewPCG(1, 1))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			os.WriteFile(p, b, 0o644)
		}, "the file was changed after export"},
		{"negative dimension", species, setKernel(4, -16), `/model.json: files: "weights/checkpoint-`},
		{"billion dimension", species, setKernel(4, 1_000_000_000), `.json": size 2298, but `},
		{"edited classes", species, func(t *testing.T, dir string) {
			rewriteJSON(t, filepath.Join(dir, "model.json"), func(m map[string]any) { m["classes"] = []string{"c", "b", "a"} })
		}, `/model.json: classes: ["c" "b" "a"], but preprocessing.json's classes are ["a" "b" "c"]`},
		{"edited dataset", species, func(t *testing.T, dir string) {
			rewriteJSON(t, filepath.Join(dir, "model.json"), func(m map[string]any) { m["dataset"] = "images" })
		}, `/model.json: dataset: "images", but config.yaml says data.dataset: csv`},
		{"missing files", species, func(t *testing.T, dir string) {
			rewriteJSON(t, filepath.Join(dir, "model.json"), func(m map[string]any) { delete(m, "files") })
		}, "/model.json: files: missing"},
		{"format 1, magic bytes overwritten", speciesFormat1, func(t *testing.T, dir string) {
			f, _ := os.OpenFile(weightsOf(t, dir, ".bin"), os.O_WRONLY, 0)
			f.WriteAt([]byte("XXXXXXXX"), 0)
			f.Close()
		}, ".bin: not a GoMLX checkpoint's data"},
		{"format 1, negative dimension", speciesFormat1, setKernel(4, -16), `Variables[1] "var:/model/dense/kernel": Dimensions [4 -16]: dimension 1 is -16`},
		{"format 1, billion dimension", speciesFormat1, setKernel(4, 1_000_000_000), `"var:/model/dense/kernel": Length 256, want 16000000000`},
		{"format 1, edited classes", speciesFormat1, func(t *testing.T, dir string) {
			rewriteJSON(t, filepath.Join(dir, "model.json"), func(m map[string]any) { m["classes"] = []string{"x", "y", "z"} })
		}, `/model.json: classes: ["x" "y" "z"], but preprocessing.json's classes are ["a" "b" "c"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyModel(t, tt.src)
			tt.edit(t, dir)
			for _, args := range [][]string{{"predict", dir, rows}, {"evaluate", dir, "--data", "path=" + rows}} {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				code, out, errOut := run(t, nil, args...)
				runtime.ReadMemStats(&after)
				if code != ExitUsage || out != "" || !strings.Contains(errOut, "exp: "+dir) || !strings.Contains(errOut, tt.want) {
					t.Errorf("exp %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2, nothing on stdout, and an error naming %s and containing %q",
						args[0], code, out, errOut, dir, tt.want)
				}
				if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
					t.Errorf("exp %s allocated %d bytes", args[0], n)
				}
			}
		})
	}

	code, out, errOut := run(t, nil, "predict", speciesFormat1, rows)
	if code != ExitOK || !strings.Contains(errOut, "warning: "+speciesFormat1+" is a model folder of format 1, which records no checksums") ||
		out != mustRun(t, "predict", species, rows) {
		t.Errorf("a folder of format 1: exit %d, stderr %q, stdout:\n%s\nwant 0, a warning, and the current folder's predictions", code, errOut, out)
	}
	if _, _, errOut := run(t, nil, "predict", species, rows); errOut != "" {
		t.Errorf("a folder of the current format: stderr %q", errOut)
	}
}
