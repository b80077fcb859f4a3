package npy

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Encode writes a as a .npy file (format version 1.0, little-endian, C
// order): uint8 (U8) or int64 (I64) elements, the two an exported
// dataset needs.
func Encode(w io.Writer, a *Array) error {
	var descr string
	var data []byte
	switch {
	case a.U8 != nil && len(a.U8) == a.Size():
		descr, data = "|u1", a.U8
	case a.I64 != nil && len(a.I64) == a.Size():
		descr, data = "<i8", make([]byte, 8*len(a.I64))
		for i, v := range a.I64 {
			binary.LittleEndian.PutUint64(data[8*i:], uint64(v))
		}
	default:
		return fmt.Errorf("%s: only uint8 or int64 arrays whose data fit their shape %v are written", a.Name, a.Shape)
	}
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = fmt.Sprint(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	// The magic string, version, length and header take a multiple of 64
	// bytes, the header ending in a newline, as NumPy writes it.
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	head := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	for _, b := range [][]byte{head, []byte(h), data} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// WriteNpz writes the arrays, each as the member NAME.npy of an .npz
// archive (stored, as numpy.savez writes it), in the order given, to path
// through a temporary file renamed into place.
func WriteNpz(path string, arrays ...*Array) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()           // the error being returned matters more
			os.Remove(tmp.Name()) // nothing half-written is left
		}
	}()
	zw := zip.NewWriter(tmp)
	for _, a := range arrays {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := Encode(w, a); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
