package images_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/images"
)

// readMNIST reads one split of MNIST ("train" or "t10k") from the module
// cache as a Set.
func readMNIST(tb testing.TB, split string) *images.Set {
	tb.Helper()
	dir, err := datasets.FindMNIST("")
	if err != nil {
		tb.Fatal(err)
	}
	pix, err := datasets.ReadIDX(context.Background(), filepath.Join(dir, split+"-images-idx3-ubyte.gz"), 0)
	if err != nil {
		tb.Fatal(err)
	}
	labels, err := datasets.ReadIDX(context.Background(), filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), 0)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := images.FromIDX(pix.Dims, pix.Data, labels.Data)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// head returns the first n images of s.
func head(s *images.Set, n int) *images.Set {
	return &images.Set{N: n, H: s.H, W: s.W, C: s.C, Pix: s.Pix[:n*s.H*s.W*s.C],
		Labels: s.Labels[:n], ClassNames: s.ClassNames}
}

func TestExportMNISTSlice(t *testing.T) {
	s := head(readMNIST(t, "t10k"), 40)
	if s.H != 28 || s.W != 28 || len(s.ClassNames) != 10 {
		t.Fatalf("MNIST test images %d×%d, classes %v", s.H, s.W, s.ClassNames)
	}
	dir := t.TempDir()
	if err := images.WriteFolder(context.Background(), dir, s); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{filepath.Join(dir, "labels.csv"), dir} {
		// The first 40 images have no 8: the CSV needs the class names, the
		// folders have an empty folder 8.
		l, err := images.Scan(context.Background(), src, images.ScanOptions{ClassNames: s.ClassNames})
		if err != nil {
			t.Fatal(err)
		}
		back, err := images.Load(context.Background(), l, images.Options{NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		if back.N != 40 || back.H != 28 || back.W != 28 || back.C != 1 || !slices.Equal(back.ClassNames, s.ClassNames) {
			t.Fatalf("%s: %d×%d×%d×%d, classes %v", src, back.N, back.H, back.W, back.C, back.ClassNames)
		}
		// Same multiset of (label, image) either way; labels.csv keeps the order.
		for j := range back.N {
			i := j
			if src == dir {
				i = findImage(s, back.Image(j))
			}
			if i < 0 || !slices.Equal(back.Image(j), s.Image(i)) || back.Labels[j] != s.Labels[i] {
				t.Fatalf("%s: example %d (%s) does not match MNIST image %d", src, j, back.Paths[j], i)
			}
		}
	}
}

// findImage returns the index of the image of s equal to pix, or -1.
func findImage(s *images.Set, pix []uint8) int {
	for i := range s.N {
		if slices.Equal(s.Image(i), pix) {
			return i
		}
	}
	return -1
}
