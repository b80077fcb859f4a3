package datasets

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/registry"
)

// reporter collects Errorf calls as "key: message".
type reporter struct {
	path string
	errs *[]string
}

func newReporter() *reporter { return &reporter{errs: new([]string)} }

func (r *reporter) Field(name string) registry.Reporter {
	return &reporter{path: strings.TrimPrefix(r.path+"."+name, "."), errs: r.errs}
}
func (r *reporter) Index(i int) registry.Reporter {
	return &reporter{path: fmt.Sprintf("%s[%d]", r.path, i), errs: r.errs}
}
func (r *reporter) Has(string) bool { return false }
func (r *reporter) Errorf(format string, args ...any) {
	*r.errs = append(*r.errs, r.path+": "+fmt.Sprintf(format, args...))
}

func writeText(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// irisLike writes a CSV sorted by class, as the classic iris file is.
func irisLike(t *testing.T, dir string) {
	var b strings.Builder
	b.WriteString("width,color,species\n")
	for i := range 90 {
		cls := []string{"a", "b", "c"}[i/30]
		fmt.Fprintf(&b, "%d.5,%s,%s\n", i/30, []string{"red", "blue"}[i%2], cls)
	}
	writeText(t, dir, "iris.csv", b.String())
}

func TestCSVSplitIsStratifiedAndPathsRelative(t *testing.T) {
	dir := t.TempDir()
	irisLike(t, dir)
	c := &CSV{Path: "iris.csv", Target: "species", SplitSeed: 3}
	env := registry.DataEnv{Dir: dir, Split: registry.Split{Fraction: 0.2}}
	r := newReporter()
	c.Validate(r, env)
	if len(*r.errs) > 0 {
		t.Fatal(*r.errs)
	}
	info := c.Info()
	if info.NumClasses != 3 || info.Shape[0] != 3 || !info.Validation { // width + 2 colours
		t.Fatalf("info %+v", info)
	}
	d, err := c.Load(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[int32]int{}
	for _, l := range d.Val.Labels {
		counts[l]++
	}
	if d.Train.N != 72 || d.Val.N != 18 || counts[0] != 6 || counts[1] != 6 || counts[2] != 6 {
		t.Errorf("train %d, val %d, val classes %v; want 72, 18 and 6 of each", d.Train.N, d.Val.N, counts)
	}
	if c.DataHash() == "" || !strings.Contains(strings.Join(c.Summary(), "\n"), "a (24), b (24), c (24)") {
		t.Errorf("hash %q, summary %q", c.DataHash(), c.Summary())
	}
}

func TestCSVLimitsAfterShuffle(t *testing.T) {
	dir := t.TempDir()
	irisLike(t, dir)
	c := &CSV{Path: "iris.csv", Target: "species"}
	env := registry.DataEnv{Dir: dir, Split: registry.Split{Fraction: 0.2, TrainN: 30}}
	r := newReporter()
	c.Validate(r, env)
	d, err := c.Load(context.Background(), env)
	if err != nil || len(*r.errs) > 0 {
		t.Fatal(err, *r.errs)
	}
	seen := map[int32]bool{}
	for _, l := range d.Train.Labels {
		seen[l] = true
	}
	if d.Train.N != 30 || len(seen) != 3 {
		t.Errorf("train_examples 30 of a file sorted by class: %d examples of %d classes", d.Train.N, len(seen))
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "bad.csv", "area,price\n1,2\nn/a,3\n"+strings.Repeat("4,5\n", 20))
	writeText(t, dir, "ragged.csv", "area,price\n1,2\n4\n")
	writeText(t, dir, "many.csv", "area,price\n"+strings.Repeat("x,1\n"+strings.Repeat("1,2\n", 10), 25))
	os.Symlink("gone.csv", filepath.Join(dir, "dangling.csv"))
	for _, tt := range []struct {
		c    *CSV
		want []string
	}{
		{&CSV{Path: "missing.csv", Target: "price"}, []string{"path: " + filepath.Join(dir, "missing.csv") + " does not exist"}},
		{&CSV{Path: "bad.csv", Target: "prise"}, []string{`did you mean "price"`}},
		{&CSV{Path: "bad.csv", Target: "price", Delimiter: ";;", Normalize: "zscore"},
			[]string{`delimiter: must be one character, got ";;"`, `normalize: must be one of standard, minmax, none, got "zscore"`}},
		{&CSV{Path: "bad.csv", Target: "price"}, []string{`bad.csv:3: column "area": "n/a" is not a number`}},
		{&CSV{Path: "ragged.csv", Target: "price"}, []string{"ragged.csv:3: the row has 1 fields, the header 2"}},
		{&CSV{Path: "dangling.csv", Target: "price"}, []string{"path: " + filepath.Join(dir, "dangling.csv") + " is a symbolic link to " + filepath.Join(dir, "gone.csv") + ", which does not exist"}},
		{&CSV{Path: "/dev/zero", Target: "price"}, []string{"path: /dev/zero is a device, not a regular file"}},
		{&CSV{Path: "many.csv", Target: "price", Missing: "drop"}, []string{`many.csv:2: column "area": "x" is not a number`, `many.csv:211: column "area"`, "\n  … and 5 more"}},
	} {
		r := newReporter()
		tt.c.Validate(r, registry.DataEnv{Dir: dir})
		got := strings.Join(*r.errs, "\n")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: errors\n%s\nlack %q", tt.c, got, w)
			}
		}
	}
}

// writePNG writes a w×h grayscale PNG filled with v.
func writePNG(t *testing.T, path string, w, h int, v uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestImagesFolderAugmentAndHash(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	for i := range 8 {
		writePNG(t, filepath.Join(dir, "photos", []string{"cat", "dog"}[i%2], fmt.Sprintf("%d.png", i)), 4, 4, uint8(40*i))
	}
	writeText(t, filepath.Join(dir, "photos"), "README", "not an image")
	m := &Images{Path: "photos", Augment: &Augment{Flip: "horizontal", Shift: 0.25}}
	env := registry.DataEnv{Dir: dir, Split: registry.Split{Fraction: 0.25}}
	r := newReporter()
	m.Validate(r, env)
	if len(*r.errs) > 0 {
		t.Fatal(*r.errs)
	}
	if info := m.Info(); info.NumClasses != 2 || fmt.Sprint(info.Shape) != "[4 4 1]" {
		t.Fatalf("info %+v", info)
	}
	d, err := m.Load(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.N != 6 || d.Val.N != 2 || d.Train.Augment == nil || d.Val.Augment != nil {
		t.Fatalf("train %d (augment %v), val %d", d.Train.N, d.Train.Augment != nil, d.Val.N)
	}
	a, b := make([]float32, 2*16), make([]float32, 2*16)
	d.Train.Augment(a, []int{0, 1}, 1)
	d.Train.Augment(b, []int{0, 1}, 1)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same epoch augmented differently")
	}
	// A changed image is other data: a new hash, not the cached one.
	writePNG(t, filepath.Join(dir, "photos", "cat", "0.png"), 4, 4, 255)
	m2 := &Images{Path: "photos", SplitSeed: 1}
	m2.Validate(newReporter(), registry.DataEnv{Dir: dir})
	if m2.DataHash() == "" || m2.DataHash() == m.DataHash() {
		t.Errorf("hash after changing an image: %q, before: %q", m2.DataHash(), m.DataHash())
	}
	if !strings.Contains(strings.Join(m.Summary(), "\n"), "skipped") {
		t.Errorf("summary does not mention the skipped README: %q", m.Summary())
	}
}

func TestImagesErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newReporter()
	(&Images{Path: "empty"}).Validate(r, registry.DataEnv{Dir: dir})
	if got := strings.Join(*r.errs, "\n"); !strings.Contains(got, "no images found") {
		t.Errorf("empty folder: %q", got)
	}
}
