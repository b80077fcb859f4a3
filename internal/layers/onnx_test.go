package layers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/registry"
)

// msgs is a registry.Reporter that keeps the problems, each at its key.
type msgs struct {
	path string
	list *[]string
}

func newMsgs() msgs                                { return msgs{list: new([]string)} }
func (m msgs) Field(name string) registry.Reporter { return msgs{m.path + "." + name, m.list} }
func (m msgs) Index(i int) registry.Reporter       { return msgs{fmt.Sprintf("%s[%d]", m.path, i), m.list} }
func (m msgs) Has(string) bool                     { return true }
func (m msgs) Errorf(format string, args ...any) {
	*m.list = append(*m.list, strings.TrimPrefix(m.path, ".")+": "+fmt.Sprintf(format, args...))
}
func (m msgs) String() string { return strings.Join(*m.list, "\n") }

// copyTo copies the onnx package's test files names into dir.
func copyTo(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("../onnx/testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readONNXLayer returns an onnx layer of path read against env, and what
// it reported.
func readONNXLayer(path string, env registry.LayerEnv) (*ONNX, msgs) {
	l := &ONNX{Path: path, Layout: "nchw"}
	r := newMsgs()
	l.Validate(r)
	if len(*r.list) == 0 {
		l.ReadFiles(r, env)
	}
	return l, r
}

// TestONNXFiles reads ONNX files relative to the config's folder, hashes
// their contents (external data included) rather than their paths, lists
// them for export, and reads a file again once it changed.
func TestONNXFiles(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	copyTo(t, a, "cnn_bn_op13.onnx", "external.onnx", "external.onnx.data")
	copyTo(t, b, "cnn_bn_op13.onnx", "external.onnx", "external.onnx.data")
	hash := func(dir, name string) (*ONNX, string) {
		l, r := readONNXLayer(name, registry.LayerEnv{Dir: dir})
		if len(*r.list) > 0 {
			t.Fatalf("%s/%s: %s", dir, name, r)
		}
		return l, l.FilesHash()
	}
	_, ha := hash(a, "cnn_bn_op13.onnx")
	_, hb := hash(b, "cnn_bn_op13.onnx")
	le, he := hash(a, "external.onnx")
	if ha == "" || ha != hb || ha == he {
		t.Errorf("hashes: %s, a copy elsewhere %s, another file %s", ha, hb, he)
	}
	files := le.Files()
	if len(files) != 1 || files[0].Path != filepath.Join(a, "external.onnx") || fmt.Sprint(files[0].With) != "[external.onnx.data]" {
		t.Errorf("files %+v", files)
	}
	// A changed data file (another size, a later time) is read again.
	data := filepath.Join(a, "external.onnx.data")
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 0xff
	if err := os.WriteFile(data, append(raw, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(data, later, later); err != nil {
		t.Fatal(err)
	}
	if _, h := hash(a, "external.onnx"); h == he {
		t.Error("the hash did not change with the external data")
	}
}

// TestONNXTooLarge: a file larger than the memory policy allows (for each
// of its copies) is refused before it is read, with the way around it.
func TestONNXTooLarge(t *testing.T) {
	dir := t.TempDir()
	copyTo(t, dir, "cnn_bn_op13.onnx", "external.onnx", "external.onnx.data")
	for _, tt := range []struct {
		name string
		mem  registry.MemoryPolicy
		want string
	}{
		{"cnn_bn_op13.onnx", registry.MemoryPolicy{Total: 10_000}, "the file is 16.9 KiB, more than the 9.8 KiB allowed: too large; this machine has"},
		{"external.onnx", registry.MemoryPolicy{Total: 30_000, Copies: 2}, "the model and its external data are 17.5 KiB, more than the 14.6 KiB allowed"},
		{"cnn_bn_op13.onnx", registry.MemoryPolicy{Total: 30_000}, ""},
		{"external.onnx", registry.MemoryPolicy{Total: 10_000, Force: true}, ""},
	} {
		_, r := readONNXLayer(tt.name, registry.LayerEnv{Dir: dir, Memory: tt.mem})
		got := r.String()
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) || tt.want != "" && !strings.Contains(got, "use --force") {
			t.Errorf("%s with %+v: %q, want %q", tt.name, tt.mem, got, tt.want)
		}
	}
}

// TestONNXValidate checks the keys before any file is read.
func TestONNXValidate(t *testing.T) {
	for _, tt := range []struct {
		l    ONNX
		want string
	}{
		{ONNX{Layout: "nchw"}, "path: is required"},
		{ONNX{Path: "x.onnx", Layout: "chw"}, `layout: must be nchw (what PyTorch exports) or nhwc, got "chw"`},
		{ONNX{Path: "x.onnx", Layout: "nhwc", UnfreezeAtEpoch: -1}, "unfreeze_at_epoch: must be ≥ 0 (0: never), got -1"},
		{ONNX{Path: "x.onnx", Layout: "nchw", Trainable: true, UnfreezeAtEpoch: 2}, "unfreeze_at_epoch: is for frozen weights"},
		{ONNX{Path: "x.onnx", Layout: "nchw", UnfreezeAtEpoch: 2}, ""},
	} {
		r := newMsgs()
		tt.l.Validate(r)
		if got := r.String(); tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%+v: %q, want %q", tt.l, got, tt.want)
		}
	}
	if f, _ := registry.Layers.Lookup("onnx"); fmt.Sprintf("%+v", *f().(*ONNX)) != "{Path: Output: Layout:nchw Trainable:false UnfreezeAtEpoch:0 file:<nil> last:<nil>}" {
		t.Errorf("defaults %+v", *f().(*ONNX))
	}
}
