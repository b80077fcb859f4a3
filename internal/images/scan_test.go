package images

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestScanFolderOrderAndSkips(t *testing.T) {
	root := filepath.Join(t.TempDir(), "photos")
	for _, rel := range []string{"b/2.png", "b/1.png", "a/z.png", "a/sub/y.png", "10/x.png", "2/w.png"} {
		writeImage(t, root, rel, uniformGray(2, 2, 1))
	}
	writeFile(t, root, "README", "hello")
	writeFile(t, root, "a/.DS_Store", "junk")
	writeFile(t, root, "a/notes.txt", "junk")
	writeImage(t, root, "a/.hidden/v.png", uniformGray(2, 2, 1))

	l, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10", "2", "a", "b"}; !slices.Equal(l.ClassNames, want) {
		t.Errorf("class names %v, want %v (sorted as strings)", l.ClassNames, want)
	}
	var got []string
	for _, e := range l.Entries {
		rel, _ := filepath.Rel(root, e.Path)
		got = append(got, filepath.ToSlash(rel)+":"+l.ClassNames[e.Label])
		if e.Size == 0 || e.ModTime == 0 {
			t.Errorf("%s: size %d, mtime %d not recorded", e.Path, e.Size, e.ModTime)
		}
	}
	want := []string{"10/x.png:10", "2/w.png:2", "a/sub/y.png:a", "a/z.png:a", "b/1.png:b", "b/2.png:b"}
	if !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	if len(l.Skipped) != 3 {
		t.Errorf("skipped %v, want README, .DS_Store, notes.txt", l.Skipped)
	}
	msg := l.SkippedMessage()
	if !strings.Contains(msg, "skipped 3 files that are not images") || !strings.Contains(msg, "README") {
		t.Errorf("skipped message %q", msg)
	}
}

func TestScanFolderClassNames(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "cat/1.png", uniformGray(2, 2, 1))
	writeImage(t, root, "dog/1.png", uniformGray(2, 2, 1))
	l, err := Scan(context.Background(), root, ScanOptions{ClassNames: []string{"dog", "cat", "bird"}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Entries[0].Label != 1 || l.Entries[1].Label != 0 || len(l.ClassNames) != 3 {
		t.Errorf("labels %d %d, classes %v: want cat=1 dog=0 of 3", l.Entries[0].Label, l.Entries[1].Label, l.ClassNames)
	}
	_, err = Scan(context.Background(), root, ScanOptions{ClassNames: []string{"dog"}})
	if err == nil || !strings.Contains(err.Error(), `class folder "cat" is not in class_names`) {
		t.Errorf("unknown class folder: got %v", err)
	}
	_, err = Scan(context.Background(), root, ScanOptions{ClassNames: []string{"dog", "dog"}})
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate class name: got %v", err)
	}
}

func TestScanFolderErrors(t *testing.T) {
	flat := filepath.Join(t.TempDir(), "photos")
	writeImage(t, flat, "1.png", uniformGray(2, 2, 1))
	emptyClasses := filepath.Join(t.TempDir(), "photos")
	writeFile(t, emptyClasses, "cat/README", "x")
	for name, dir := range map[string]string{"no class folders": flat, "no images": emptyClasses} {
		_, err := Scan(context.Background(), dir, ScanOptions{})
		want := dir + ": no images found: expected " + filepath.ToSlash(dir) + "/<class>/<image> or labels:"
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", name, err, want)
		}
	}
	if _, err := Scan(context.Background(), flat, ScanOptions{Task: Regression}); err == nil || !strings.Contains(err.Error(), "regression needs a labels CSV") {
		t.Errorf("regression on a folder: got %v", err)
	}
	if _, err := Scan(context.Background(), filepath.Join(flat, "missing"), ScanOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: got %v", err)
	}
}

func TestScanCSV(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "img/c.png", uniformGray(2, 2, 1))
	writeImage(t, dir, "img/a.png", uniformGray(2, 2, 1))
	writeImage(t, dir, "img/b.png", uniformGray(2, 2, 1))
	csv := writeFile(t, dir, "meta/labels.csv", "file,label\n../img/c.png,dog\n../img/a.png,cat\n\"../img/b.png\",dog\n")
	l, err := Scan(context.Background(), csv, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.ClassNames, []string{"cat", "dog"}) {
		t.Errorf("class names %v", l.ClassNames)
	}
	var got []string
	for _, e := range l.Entries {
		got = append(got, filepath.Base(e.Path)+":"+l.ClassNames[e.Label])
	}
	if want := []string{"c.png:dog", "a.png:cat", "b.png:dog"}; !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v (the CSV's order)", got, want)
	}
	if _, err := os.Stat(l.Entries[0].Path); err != nil {
		t.Errorf("path not relative to the CSV: %v", err)
	}
}

func TestScanCSVRegression(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", uniformGray(2, 2, 1))
	writeImage(t, dir, "b.png", uniformGray(2, 2, 1))
	csv := writeFile(t, dir, "labels.csv", "label,file\n-1.5,a.png\n2e3,b.png\n")
	l, err := Scan(context.Background(), csv, ScanOptions{Task: Regression})
	if err != nil {
		t.Fatal(err)
	}
	if l.Entries[0].Target != -1.5 || l.Entries[1].Target != 2000 || l.ClassNames != nil {
		t.Errorf("targets %v %v, classes %v", l.Entries[0].Target, l.Entries[1].Target, l.ClassNames)
	}
}

func TestScanCSVErrors(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", uniformGray(2, 2, 1))
	cases := []struct {
		name, content string
		opts          ScanOptions
		want          string
	}{
		{"missing file", "file,label\na.png,x\nb.png,y\n", ScanOptions{}, "labels.csv:3: " + filepath.Join(dir, "b.png") + " does not exist"},
		{"bad header", "path,class\na.png,x\n", ScanOptions{}, `labels.csv:1: header "path,class" must name the columns file and label`},
		{"empty", "", ScanOptions{}, "labels.csv: empty file"},
		{"no rows", "file,label\n", ScanOptions{}, "labels.csv: no rows after the header"},
		{"empty label", "file,label\na.png,\n", ScanOptions{}, "labels.csv:2: empty file or label"},
		{"not a number", "file,label\na.png,1\na.png,cat\n", ScanOptions{Task: Regression}, `labels.csv:3: label "cat" is not a finite number`},
		{"not finite", "file,label\na.png,NaN\n", ScanOptions{Task: Regression}, `labels.csv:2: label "NaN" is not a finite number`},
		{"unknown class", "file,label\na.png,cat\na.png,cow\n", ScanOptions{ClassNames: []string{"cat"}}, `labels.csv:3: label "cow" is not in class_names [cat]`},
		{"ragged", "file,label\na.png,cat,extra\n", ScanOptions{}, "labels.csv: record on line 2: wrong number of fields"},
		{"folder", "file,label\n.,cat\n", ScanOptions{}, "labels.csv:2: " + dir + " is not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			csv := writeFile(t, dir, "labels.csv", c.content)
			_, err := Scan(context.Background(), csv, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
