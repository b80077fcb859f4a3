package npy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// encode writes a .npy file of format version (1 or 2) for descr and shape
// with little-endian data (any fixed-size value or slice binary.Write takes).
func encode(t *testing.T, version byte, descr string, fortran bool, shape []int, data any) []byte {
	t.Helper()
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	f := "False"
	if fortran {
		f = "True"
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", descr, f, sh)
	pre := 10
	if version > 1 {
		pre = 12
	}
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{version, 0})
	if version == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(h))) // bytes.Buffer writes never fail
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(h)))
	}
	b.WriteString(h)
	if err := binary.Write(&b, binary.LittleEndian, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func write(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeNpz writes members (name → .npy bytes) into an archive, deflated or stored.
func writeNpz(t *testing.T, path string, deflate bool, members map[string][]byte) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range members {
			if !yield(k) {
				return
			}
		}
	}) {
		method := zip.Store
		if deflate {
			method = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(members[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return write(t, path, b.Bytes())
}

func TestDecodeDTypes(t *testing.T) {
	tests := []struct {
		descr string
		data  any
		check func(a *Array) bool
	}{
		{"|u1", []uint8{0, 255, 7, 1}, func(a *Array) bool { return slices.Equal(a.U8, []uint8{0, 255, 7, 1}) }},
		{"|b1", []uint8{1, 0, 1, 1}, func(a *Array) bool { return slices.Equal(a.U8, []uint8{1, 0, 1, 1}) }},
		{"|i1", []int8{-1, 2, -128, 127}, func(a *Array) bool { return slices.Equal(a.I32, []int32{-1, 2, -128, 127}) }},
		{"<i2", []int16{-300, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.I32, []int32{-300, 2, 3, 4}) }},
		{"<u2", []uint16{65535, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.I32, []int32{65535, 2, 3, 4}) }},
		{"<i4", []int32{-5, 2, 3, 1 << 30}, func(a *Array) bool { return slices.Equal(a.I32, []int32{-5, 2, 3, 1 << 30}) }},
		{"<u4", []uint32{1 << 31, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.I64, []int64{1 << 31, 2, 3, 4}) }},
		{"<i8", []int64{-1 << 40, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.I64, []int64{-1 << 40, 2, 3, 4}) }},
		{"<u8", []uint64{1 << 62, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.I64, []int64{1 << 62, 2, 3, 4}) }},
		{"<f4", []float32{1.5, -2, 3e-7, 4}, func(a *Array) bool { return slices.Equal(a.F32, []float32{1.5, -2, 3e-7, 4}) }},
		{"<f8", []float64{1.5, -2, 0.1, 4}, func(a *Array) bool { return slices.Equal(a.F32, []float32{1.5, -2, 0.1, 4}) }},
		{">u1", []uint8{1, 2, 3, 4}, func(a *Array) bool { return slices.Equal(a.U8, []uint8{1, 2, 3, 4}) }},
	}
	for _, tt := range tests {
		for _, version := range []byte{1, 2} {
			raw := encode(t, version, tt.descr, false, []int{2, 2}, tt.data)
			a, err := Decode("t.npy", bytes.NewReader(raw), -1, 0)
			if err != nil {
				t.Errorf("%s v%d: %v", tt.descr, version, err)
				continue
			}
			if !tt.check(a) || !slices.Equal(a.Shape, []int{2, 2}) || a.Len() != 2 || a.Size() != 4 {
				t.Errorf("%s v%d: got %+v", tt.descr, version, a)
			}
		}
	}
	a, err := Decode("t.npy", bytes.NewReader(encode(t, 1, "<i4", false, []int{3}, []int32{1, 2, 3})), -1, 0)
	if err != nil || !slices.Equal(a.Float32(), []float32{1, 2, 3}) || !slices.Equal(a.Int64(), []int64{1, 2, 3}) || !a.IsInteger() {
		t.Errorf("conversions: %+v %v", a, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		raw  []byte
		want string
	}{
		{[]byte("PK\x03\x04 not npy"), "not a NumPy .npy file"},
		{encode(t, 1, ">f4", false, []int{2}, []float32{1, 2}), `dtype ">f4" is big-endian`},
		{encode(t, 1, "<f4", true, []int{2}, []float32{1, 2}), "Fortran order"},
		{encode(t, 1, "<c8", false, []int{2}, []float32{1, 2}), `dtype "<c8" is not supported`},
		{encode(t, 1, "<f4", false, []int{3}, []float32{1, 2}), "truncated data: shape [3] of float32 needs 12 bytes, found 8"},
		{encode(t, 1, "<u8", false, []int{1}, []uint64{1 << 63}), "does not fit in an int64"},
		{encode(t, 9, "<f4", false, []int{1}, []float32{1}), "version 9.0 is not supported"},
	}
	for _, tt := range tests {
		_, err := Decode("bad.npy", bytes.NewReader(tt.raw), -1, 0)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.npy") {
			t.Errorf("error %v, want bad.npy: …%q", err, tt.want)
		}
	}
}

func TestReadNpz(t *testing.T) {
	dir := t.TempDir()
	images := encode(t, 1, "|u1", false, []int{3, 2, 2}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255})
	labels := encode(t, 1, "<i8", false, []int{3}, []int64{7, 3, 7})
	for _, deflate := range []bool{false, true} {
		path := writeNpz(t, filepath.Join(dir, fmt.Sprint(deflate, ".npz")), deflate, map[string][]byte{"images": images, "labels": labels})
		xy, err := LoadXY(context.Background(), XYSpec{Path: path, X: "images", Y: "labels"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if xy.X.U8[11] != 255 || !slices.Equal(xy.X.Shape, []int{3, 2, 2}) || xy.Task != Classification ||
			!slices.Equal(xy.Classes, []int64{3, 7}) || !slices.Equal(xy.Labels, []int32{1, 0, 1}) {
			t.Errorf("deflate %v: %+v", deflate, xy)
		}
		_, err = LoadXY(context.Background(), XYSpec{Path: path}, 0)
		if err == nil || !strings.Contains(err.Error(), `no array "x"; no array "y"; the archive holds "images", "labels"`) {
			t.Errorf("default names: %v", err)
		}
		_, err = LoadXY(context.Background(), XYSpec{Path: path, X: "image", Y: "labels"}, 0)
		if err == nil || !strings.Contains(err.Error(), `no array "image" (did you mean "images"?)`) {
			t.Errorf("misspelt name: %v", err)
		}
	}
	if names, err := Names(filepath.Join(dir, "true.npz")); err != nil || !slices.Equal(names, []string{"images", "labels"}) {
		t.Errorf("Names = %v, %v", names, err)
	}
	if _, err := ReadNpz(context.Background(), filepath.Join(dir, "absent.npz"), 0, "x"); err == nil || !strings.Contains(err.Error(), "absent.npz") {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadXYPairAndTasks(t *testing.T) {
	dir := t.TempDir()
	x := write(t, filepath.Join(dir, "x.npy"), encode(t, 1, "<f4", false, []int{4, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}))
	yf := write(t, filepath.Join(dir, "yf.npy"), encode(t, 1, "<f8", false, []int{4}, []float64{0.5, 1, 2, 1}))
	yi := write(t, filepath.Join(dir, "yi.npy"), encode(t, 1, "|u1", false, []int{4}, []uint8{0, 1, 2, 1}))
	short := write(t, filepath.Join(dir, "short.npy"), encode(t, 1, "|u1", false, []int{3}, []uint8{0, 1, 1}))
	one := write(t, filepath.Join(dir, "one.npy"), encode(t, 1, "|u1", false, []int{4}, []uint8{2, 2, 2, 2}))
	reg, err := LoadXY(context.Background(), XYSpec{XPath: x, YPath: yf}, 0)
	if err != nil || reg.Task != Regression || !slices.Equal(reg.Targets, []float32{0.5, 1, 2, 1}) || !slices.Equal(reg.Files, []string{x, yf}) {
		t.Errorf("float y: %+v %v", reg, err)
	}
	cls, err := LoadXY(context.Background(), XYSpec{XPath: x, YPath: yi}, 0)
	if err != nil || cls.Task != Classification || !slices.Equal(cls.Labels, []int32{0, 1, 2, 1}) {
		t.Errorf("uint8 y: %+v %v", cls, err)
	}
	asReg, err := LoadXY(context.Background(), XYSpec{XPath: x, YPath: yi, Task: Regression}, 0)
	if err != nil || asReg.TaskReason != "set in the config" || !slices.Equal(asReg.Targets, []float32{0, 1, 2, 1}) {
		t.Errorf("task set: %+v %v", asReg, err)
	}
	tests := []struct {
		spec XYSpec
		want string
	}{
		{XYSpec{XPath: x, YPath: short}, "x.npy has 4 examples (shape [4 2]) but " + short + " has 3 (shape [3])"},
		{XYSpec{XPath: x, YPath: yf, Task: Classification}, "classification labels must be integers; y[0] = 0.5"},
		{XYSpec{XPath: x, YPath: one}, "at least 2 classes"},
		{XYSpec{XPath: x}, "both x_path and y_path"},
		{XYSpec{XPath: x, YPath: filepath.Join(dir, "nope.npy")}, "nope.npy"},
		{XYSpec{XPath: x, YPath: yi, Task: "ranking"}, `task: "ranking"`},
	}
	for _, tt := range tests {
		if _, err := LoadXY(context.Background(), tt.spec, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadXY(%+v): %v, want …%q", tt.spec, err, tt.want)
		}
	}
}

// TestNumPyWritten reads an archive written by NumPy itself, when
// /usr/bin/python3 has it.
func TestNumPyWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "np.npz")
	script := `import numpy as np, sys
x = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
np.savez_compressed(sys.argv[1], x=x, y=np.array([5, 9], dtype=np.int64), f=np.array([[0.25, -1.5]], dtype='<f8'), t=np.asfortranarray(np.ones((2, 2))))`
	out, err := exec.Command("/usr/bin/python3", "-c", script, path).CombinedOutput()
	if err != nil && (strings.Contains(string(out), "No module named 'numpy'") || errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist)) {
		t.Skip("no NumPy in /usr/bin/python3: skipping the cross-check")
	}
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	arrays, err := ReadNpz(context.Background(), path, 0, "x", "y", "f")
	if err != nil {
		t.Fatal(err)
	}
	x, y, f := arrays["x"], arrays["y"], arrays["f"]
	if !slices.Equal(x.Shape, []int{2, 3, 4}) || x.DType != "uint8" || x.U8[23] != 23 {
		t.Errorf("x: %+v", x)
	}
	if !slices.Equal(y.I64, []int64{5, 9}) || !slices.Equal(f.F32, []float32{0.25, -1.5}) || !slices.Equal(f.Shape, []int{1, 2}) {
		t.Errorf("y %+v f %+v", y, f)
	}
	if _, err := ReadNpz(context.Background(), path, 0, "t"); err == nil || !strings.Contains(err.Error(), "Fortran order") {
		t.Errorf("Fortran-order array: %v", err)
	}
}
