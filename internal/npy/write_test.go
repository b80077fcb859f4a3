package npy

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteNpz writes uint8 and int64 arrays and reads them back.
func TestWriteNpz(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.npz")
	x := &Array{Name: "x", Shape: []int{2, 3, 2}, U8: []uint8{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}}
	y := &Array{Name: "y", Shape: []int{2}, I64: []int64{-7, 1 << 40}}
	if err := WriteNpz(path, x, y); err != nil {
		t.Fatal(err)
	}
	got, err := ReadNpz(context.Background(), path, 0, "x", "y")
	if err != nil {
		t.Fatal(err)
	}
	if gx := got["x"]; gx.DType != "uint8" || !slices.Equal(gx.Shape, x.Shape) || !slices.Equal(gx.U8, x.U8) {
		t.Errorf("x read back as %s %v %v", gx.DType, gx.Shape, gx.U8)
	}
	if gy := got["y"]; gy.DType != "int64" || !slices.Equal(gy.Shape, y.Shape) || !slices.Equal(gy.I64, y.I64) {
		t.Errorf("y read back as %s %v %v", gy.DType, gy.Shape, gy.I64)
	}
	bad := &Array{Name: "z", Shape: []int{3}, U8: []uint8{1}}
	if err := WriteNpz(filepath.Join(t.TempDir(), "b.npz"), bad); err == nil {
		t.Error("an array whose data do not fit its shape was written")
	}
}
