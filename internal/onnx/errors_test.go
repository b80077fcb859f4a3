package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	ox "github.com/gomlx/onnx-gomlx/onnx"
)

// wantErr fails unless err's message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// writeFile writes data to name in a new temporary folder and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestOpenErrors checks that files exp cannot use are refused with an
// error naming them: missing, cut short anywhere, not ONNX, too large.
func TestOpenErrors(t *testing.T) {
	_, err := Open("testdata/missing.onnx", 0)
	wantErr(t, err, "testdata/missing.onnx: no such file")

	_, err = Open("testdata", 0)
	wantErr(t, err, "testdata: is a directory")

	model := readTestdata(t, "cnn_bn_op13.onnx")
	for _, frac := range []float64{0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999} {
		n := int(float64(len(model)) * frac)
		path := writeFile(t, "cut.onnx", model[:n])
		_, err := Open(path, 0)
		wantErr(t, err, path+": ", "not")
	}
	for name, data := range map[string][]byte{
		"text.onnx":  []byte("model:\n  layers: []\n"),
		"png.onnx":   {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'},
		"zeros.onnx": make([]byte, 100),
	} {
		path := writeFile(t, name, data)
		_, err := Open(path, 0)
		wantErr(t, err, path+": not ")
	}

	_, err = Open("testdata/cnn_bn_op13.onnx", 1000)
	wantErr(t, err, "testdata/cnn_bn_op13.onnx: the file is 16.9 KiB, more than the 1000 B allowed")
	if _, err := Open("testdata/cnn_bn_op13.onnx", int64(len(model))); err != nil {
		t.Errorf("a limit of exactly the file's size: %v", err)
	}
}

// TestExternalData checks models whose weights are in a separate file: the
// file must be there, in the model's folder, and count toward the limit.
func TestExternalData(t *testing.T) {
	model := readTestdata(t, "external.onnx")
	data := readTestdata(t, "external.onnx.data")

	path := writeFile(t, "external.onnx", model)
	_, err := Open(path, 0)
	wantErr(t, err, path+": tensor ", "external data file "+filepath.Join(filepath.Dir(path), "external.onnx.data")+": no such file")

	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "external.onnx.data"), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, 0)
	wantErr(t, err, "(truncated?)")

	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "external.onnx.data"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, 0); err != nil {
		t.Fatalf("with its data file: %v", err)
	}
	total := int64(len(model) + len(data))
	if _, err := Open(path, total); err != nil {
		t.Errorf("a limit of exactly the model and data: %v", err)
	}
	_, err = Open(path, total-1)
	wantErr(t, err, path+": the model and its external data are 17.5 KiB, more than the")

	// A location outside the model's folder is refused.
	om, err := ox.Parse(model)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range om.Proto.Graph.Initializer[0].ExternalData {
		if kv.Key == "location" {
			kv.Value = "../external.onnx.data"
		}
	}
	var buf strings.Builder
	if err := om.Write(&buf); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(filepath.Dir(path), "evil.onnx")
	if err := os.WriteFile(evil, []byte(buf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(evil, 0)
	wantErr(t, err, evil+": tensor ", `external data location "../external.onnx.data" must be a file in the model's folder`)
}

// TestValidate checks the static checks: unsupported ops (every one, with
// the node), and cut names.
func TestValidate(t *testing.T) {
	m, err := Open("testdata/unsupported.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, m.Validate(Options{}), `testdata/unsupported.onnx: node "/TopK": op TopK is not supported`)
	// Cut before the TopK, the model is fine.
	if err := m.Validate(Options{Output: "/Flatten_output_0"}); err != nil {
		t.Errorf("cut before TopK: %v", err)
	}

	m, err = Open("testdata/cnn_bn_op13.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	m.nodes[0].op = "ConvInteger" // two ops exp does not convert: both reported
	m.nodes[2].domain = "com.microsoft"
	err = m.Validate(Options{})
	wantErr(t, err, `testdata/cnn_bn_op13.onnx: node "/c1/Conv": op ConvInteger is not supported`,
		`testdata/cnn_bn_op13.onnx: node "/MaxPool": op com.microsoft.MaxPool is not supported`)

	m, err = Open("testdata/cnn_bn_op13.onnx", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, m.Validate(Options{Output: "/c2/Conv_outptu_0"}),
		`testdata/cnn_bn_op13.onnx: output "/c2/Conv_outptu_0": no such tensor; nearest: "/c2/Conv_output_0", "/c1/Conv_output_0"`)
	wantErr(t, m.Validate(Options{Layout: "hwcn"}), `layout "hwcn": want nchw or nhwc`)
}
