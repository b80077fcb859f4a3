package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/npy"
)

// TestExportNpz writes MNIST's digits 5-9 as npz, 3 training images per
// class picked by the seed and all the test images of those classes: what
// dataset: npz then reads; the same seed picks the same images, another
// seed others. Flags that do not go with npz are usage errors.
func TestExportNpz(t *testing.T) {
	dir := t.TempDir()
	read := func(path string) (*npy.Array, *npy.Array) {
		t.Helper()
		a, err := npy.ReadNpz(context.Background(), path, 0, "x", "y")
		if err != nil {
			t.Fatal(err)
		}
		return a["x"], a["y"]
	}
	export := func(name, seed string) (*npy.Array, *npy.Array) {
		t.Helper()
		out := filepath.Join(dir, name)
		code, stdout, stderr := run(t, nil, "data", "export", "mnist", "--format", "npz", "--classes", "5-7,9", "--per-class", "3", "--seed", seed, out)
		if code != ExitOK || !strings.Contains(stdout, filepath.Join(out, "test.npz")) {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		return read(filepath.Join(out, "train.npz"))
	}
	x, y := export("a", "0")
	counts := map[int64]int{}
	for _, c := range y.I64 {
		counts[c]++
	}
	if fmt.Sprintf("%v %s %v", x.Shape, x.DType, counts) != "[12 28 28] uint8 map[5:3 6:3 7:3 9:3]" {
		t.Errorf("train.npz: x %v %s, classes %v", x.Shape, x.DType, counts)
	}
	tx, ty := read(filepath.Join(dir, "a", "test.npz"))
	if tx.Shape[0] != ty.Shape[0] || slices.ContainsFunc(ty.I64, func(c int64) bool { return c == 8 || c < 5 }) || tx.Shape[0] < 3000 {
		t.Errorf("test.npz: x %v, %d labels", tx.Shape, len(ty.I64))
	}
	x2, _ := export("b", "0")
	x3, _ := export("c", "1")
	if !slices.Equal(x.U8, x2.U8) || slices.Equal(x.U8, x3.U8) {
		t.Error("the same seed picked other images, or another seed the same")
	}
	for _, args := range [][]string{
		{"--format", "npz", "--first", "10"},
		{"--format", "png", "--classes", "5-9"},
		{"--format", "npz", "--classes", "5-12"},
	} {
		code, _, stderr := run(t, nil, append(append([]string{"data", "export", "mnist"}, args...), filepath.Join(dir, "bad"))...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitUsage, stderr)
		}
	}
}
