package images

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tinyIDX is 12 images of 2×3 with labels 0–10 in a scrambled order, so
// class 10 sorts between 1 and 2 as a string.
func tinyIDX(t *testing.T) *Set {
	t.Helper()
	labels := []byte{5, 0, 10, 1, 9, 2, 1, 3, 4, 6, 7, 8}
	pix := make([]byte, len(labels)*6)
	for i := range pix {
		pix[i] = byte(i * 3)
	}
	s, err := FromIDX([]int{len(labels), 2, 3}, pix, labels)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteFolderRoundTrip(t *testing.T) {
	s := tinyIDX(t)
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteFolder(context.Background(), dir, s); err != nil {
		t.Fatal(err)
	}
	// Through labels.csv: the original order and labels.
	back := load(t, filepath.Join(dir, "labels.csv"), ScanOptions{ClassNames: s.ClassNames}, noCache)
	if !slices.Equal(back.Pix, s.Pix) || !slices.Equal(back.Labels, s.Labels) || back.C != 1 {
		t.Errorf("labels.csv round trip: labels %v, want %v; equal pixels %v", back.Labels, s.Labels, slices.Equal(back.Pix, s.Pix))
	}
	if !strings.HasSuffix(filepath.ToSlash(back.Paths[2]), "out/10/02.png") {
		t.Errorf("file of image 2 (label 10) is %s", back.Paths[2])
	}
	// Through the folders: by class (as strings), then index.
	byFolder := load(t, dir, ScanOptions{}, noCache)
	if want := []string{"0", "1", "10", "2", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(byFolder.ClassNames, want) {
		t.Errorf("folder classes %v", byFolder.ClassNames)
	}
	if byFolder.Skipped != 1 {
		t.Errorf("labels.csv not counted as skipped: %d", byFolder.Skipped)
	}
	wantOrder := []int{1, 3, 6, 2, 5, 7, 8, 0, 9, 10, 11, 4}
	for j, i := range wantOrder {
		if !slices.Equal(byFolder.Image(j), s.Image(i)) || byFolder.ClassNames[byFolder.Labels[j]] != s.ClassNames[s.Labels[i]] {
			t.Errorf("folder example %d (%s) is not image %d", j, byFolder.Paths[j], i)
		}
	}
	if err := WriteFolder(context.Background(), dir, s); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second export into the same folder: %v", err)
	}
}

func TestWriteFolderRGB(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	s, err := FromIDX([]int{2, 1, 2, 3}, pix, []byte{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteFolder(context.Background(), dir, s); err != nil {
		t.Fatal(err)
	}
	back := load(t, filepath.Join(dir, "labels.csv"), ScanOptions{}, noCache)
	if back.C != 3 || !slices.Equal(back.Pix, pix) {
		t.Errorf("rgb round trip: %d channels, pixels %v", back.C, back.Pix)
	}
}

func TestWriteCSV(t *testing.T) {
	s, err := FromIDX([]int{2, 1, 3}, []byte{0, 128, 255, 7, 8, 9}, []byte{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	if want := "label,p0,p1,p2\n3,0,128,255\n1,7,8,9\n"; b.String() != want {
		t.Errorf("csv %q, want %q", b.String(), want)
	}
}

func TestFromIDXErrors(t *testing.T) {
	cases := []struct {
		dims   []int
		pix    int
		labels int
		want   string
	}{
		{[]int{2, 2}, 4, 2, "expected N×H×W"},
		{[]int{2, 1, 1, 2}, 4, 2, "2 channels"},
		{[]int{2, 2, 2}, 7, 2, "do not match 7 bytes"},
		{[]int{2, 2, 2}, 8, 3, "3 labels for 2 images"},
	}
	for _, c := range cases {
		_, err := FromIDX(c.dims, make([]byte, c.pix), make([]byte, c.labels))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.dims, err, c.want)
		}
	}
	bad := &Set{N: 1, H: 1, W: 1, C: 1, Pix: []byte{0}, Labels: []int32{0}, ClassNames: []string{"a/b"}}
	if err := WriteFolder(context.Background(), filepath.Join(t.TempDir(), "x"), bad); err == nil || !strings.Contains(err.Error(), "cannot be a folder name") {
		t.Errorf("class name with a slash: %v", err)
	}
}
