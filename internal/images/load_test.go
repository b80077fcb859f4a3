package images

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func load(t *testing.T, path string, so ScanOptions, o Options) *Set {
	t.Helper()
	l, err := Scan(context.Background(), path, so)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(context.Background(), l, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadGrayPNGs(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "a/1.png", grayImage(2, 3, 1, 2, 3, 4, 5, 6))
	writeImage(t, root, "b/1.png", grayImage(2, 3, 10, 20, 30, 40, 50, 60))
	writeImage(t, root, "b/2.png", grayImage(2, 3, 7, 7, 7, 7, 7, 255))
	writeFile(t, root, "b/README.md", "not an image")
	s := load(t, root, ScanOptions{}, noCache)
	if s.N != 3 || s.H != 2 || s.W != 3 || s.C != 1 {
		t.Fatalf("shape %d×%d×%d×%d, want 3×2×3×1", s.N, s.H, s.W, s.C)
	}
	want := []uint8{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60, 7, 7, 7, 7, 7, 255}
	if !slices.Equal(s.Pix, want) {
		t.Errorf("pixels %v, want %v", s.Pix, want)
	}
	if !slices.Equal(s.Labels, []int32{0, 1, 1}) || s.Skipped != 1 || s.Targets != nil {
		t.Errorf("labels %v, skipped %d, targets %v", s.Labels, s.Skipped, s.Targets)
	}
	if !strings.HasSuffix(s.Paths[2], filepath.Join("b", "2.png")) {
		t.Errorf("paths %v", s.Paths)
	}
}

func TestLoadColourModes(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "a/1.png", uniformGray(1, 2, 100))
	writeImage(t, root, "a/2.png", colourImage(1, 2, color.NRGBA{200, 100, 50, 255}))
	// Alpha is dropped: a fully transparent pixel keeps its stored colour.
	writeImage(t, root, "a/3.png", colourImage(1, 2, color.NRGBA{10, 20, 30, 0}))
	rgb := load(t, root, ScanOptions{}, noCache)
	if rgb.C != 3 {
		t.Fatalf("auto mode with a colour image gave %d channels, want 3", rgb.C)
	}
	want := []uint8{100, 100, 100, 100, 100, 100, 200, 100, 50, 200, 100, 50, 10, 20, 30, 10, 20, 30}
	if !slices.Equal(rgb.Pix, want) {
		t.Errorf("rgb pixels %v, want %v", rgb.Pix, want)
	}
	gray := load(t, root, ScanOptions{}, Options{NoCache: true, Color: Grayscale})
	l1 := uint8((19595*200 + 38470*100 + 7471*50 + 1<<15) >> 16)
	l2 := uint8((19595*10 + 38470*20 + 7471*30 + 1<<15) >> 16)
	if gw := []uint8{100, 100, l1, l1, l2, l2}; gray.C != 1 || !slices.Equal(gray.Pix, gw) {
		t.Errorf("grayscale: %d channels, pixels %v, want 1 and %v", gray.C, gray.Pix, gw)
	}
	forced := load(t, root, ScanOptions{}, Options{NoCache: true, Color: RGB, Workers: 1})
	if !slices.Equal(forced.Pix, want) {
		t.Errorf("rgb mode pixels %v, want %v", forced.Pix, want)
	}
}

func TestLoadFormats(t *testing.T) {
	root := t.TempDir()
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Gray{0}, color.Gray{90}})
	pal.Pix = []uint8{0, 1, 1, 0}
	writeImage(t, root, "gif/1.gif", pal)
	writeImage(t, root, "jpeg/1.jpg", uniformGray(2, 2, 128))
	writeImage(t, root, "bmp/1.bmp", uniformGray(2, 2, 77))
	writeImage(t, root, "tiff/1.tif", uniformGray(2, 2, 33))
	s := load(t, root, ScanOptions{}, noCache)
	if s.C != 1 {
		t.Fatalf("gray images of four formats gave %d channels", s.C)
	}
	// Classes sort as bmp, gif, jpeg, tiff.
	wants := [][]uint8{{77, 77, 77, 77}, {0, 90, 90, 0}, {128, 128, 128, 128}, {33, 33, 33, 33}}
	for i, w := range wants {
		got := s.Image(i)
		for j := range w {
			if d := int(got[j]) - int(w[j]); d < -1 || d > 1 { // JPEG may be off by one
				t.Errorf("%s: pixels %v, want %v", s.Paths[i], got, w)
				break
			}
		}
	}
	colour := t.TempDir()
	writeImage(t, colour, "x/1.jpg", colourImage(8, 8, color.NRGBA{200, 40, 40, 255}))
	c := load(t, colour, ScanOptions{}, noCache)
	if r, g := c.Pix[0], c.Pix[1]; c.C != 3 || r < 190 || g > 55 {
		t.Errorf("colour JPEG: %d channels, first pixel %v", c.C, c.Pix[:3])
	}
}

func TestLoadResize(t *testing.T) {
	root := t.TempDir()
	writeImage(t, root, "a/1.png", grayImage(1, 2, 0, 255))
	writeImage(t, root, "a/2.png", grayImage(4, 4,
		0, 10, 20, 30,
		40, 50, 60, 70,
		80, 90, 100, 110,
		120, 130, 140, 150))
	s := load(t, root, ScanOptions{}, Options{NoCache: true, Height: 1, Width: 4})
	// Pixel centres: source x = (o+0.5)/2 − 0.5 = −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
	if want := []uint8{0, 64, 191, 255}; !slices.Equal(s.Image(0), want) {
		t.Errorf("upscaled %v, want %v", s.Image(0), want)
	}
	s = load(t, root, ScanOptions{}, Options{NoCache: true, Height: 2, Width: 2})
	// Halving samples at source 0.5 and 2.5: the mean of each 2×2 block.
	if want := []uint8{25, 45, 105, 125}; !slices.Equal(s.Image(1), want) {
		t.Errorf("downscaled %v, want %v", s.Image(1), want)
	}
}

func TestLoadErrors(t *testing.T) {
	sizes := t.TempDir()
	writeImage(t, sizes, "a/1.png", uniformGray(2, 2, 0))
	writeImage(t, sizes, "a/2.png", uniformGray(2, 2, 0))
	writeImage(t, sizes, "b/3.png", uniformGray(3, 2, 0))
	corrupt := t.TempDir()
	writeImage(t, corrupt, "a/1.png", uniformGray(2, 2, 0))
	writeFile(t, corrupt, "a/2.png", "\x89PNG\r\n\x1a\nbroken")
	cases := []struct {
		name, dir string
		opts      Options
		want      string
	}{
		{"sizes", sizes, noCache, fmt.Sprintf("images differ in size: %s is 2×2 (height×width) but %s is 3×2; set image_size",
			filepath.Join(sizes, "a", "1.png"), filepath.Join(sizes, "b", "3.png"))},
		{"corrupt", corrupt, noCache, filepath.Join(corrupt, "a", "2.png") + ": cannot decode image"},
		{"size option", sizes, Options{Height: 3}, "image_size: [3, 0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := Scan(context.Background(), c.dir, ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(context.Background(), l, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	l, err := Scan(context.Background(), sizes, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := Load(context.Background(), l, Options{NoCache: true, Height: 2, Width: 2}); err != nil || s.N != 3 {
		t.Errorf("with image_size the sizes may differ: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, l, Options{NoCache: true, Height: 2, Width: 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

func TestLoadRegression(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", uniformGray(2, 2, 9))
	writeImage(t, dir, "b.png", uniformGray(2, 2, 8))
	csv := writeFile(t, dir, "y.csv", "file,label\nb.png,0.25\na.png,-3\n")
	s := load(t, csv, ScanOptions{Task: Regression}, noCache)
	if !slices.Equal(s.Targets, []float32{0.25, -3}) || s.Labels != nil || s.Pix[0] != 8 || s.Pix[4] != 9 {
		t.Errorf("targets %v, labels %v, pixels %v", s.Targets, s.Labels, s.Pix)
	}
}

// TestLoadManyParallel decodes more images than workers, each with its own
// value, to check every slot gets its own file.
func TestLoadManyParallel(t *testing.T) {
	root := t.TempDir()
	for i := range 24 {
		writeImage(t, root, fmt.Sprintf("c%d/%03d.png", i%3, i), uniformGray(3, 3, uint8(i)))
	}
	s := load(t, root, ScanOptions{}, Options{NoCache: true, Workers: 4})
	for i := range s.N {
		var v int
		fmt.Sscanf(filepath.Base(s.Paths[i]), "%03d.png", &v)
		if s.Image(i)[0] != uint8(v) || s.Image(i)[8] != uint8(v) || int(s.Labels[i]) != v%3 {
			t.Fatalf("image %d (%s): pixel %d, label %d", i, s.Paths[i], s.Image(i)[0], s.Labels[i])
		}
	}
}

func TestLoadLike(t *testing.T) {
	train, val, bad := t.TempDir(), t.TempDir(), t.TempDir()
	writeImage(t, train, "a/1.png", uniformGray(2, 2, 10))
	writeImage(t, val, "a/1.png", colourImage(2, 2, color.NRGBA{200, 100, 50, 255}))
	writeImage(t, bad, "a/1.png", uniformGray(3, 2, 10))
	ref := load(t, train, ScanOptions{}, noCache)
	l, err := Scan(context.Background(), val, ScanOptions{ClassNames: ref.ClassNames})
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadLike(context.Background(), l, noCache, ref)
	l1 := uint8((19595*200 + 38470*100 + 7471*50 + 1<<15) >> 16)
	if err != nil || s.C != 1 || s.Pix[0] != l1 {
		t.Errorf("colour validation image after a gray training set: %v, %d channels, pixel %d (want %d)", err, s.C, s.Pix[0], l1)
	}
	l, err = Scan(context.Background(), bad, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLike(context.Background(), l, noCache, ref); err == nil || !strings.Contains(err.Error(), "is 3×2") {
		t.Errorf("validation images of another size: %v", err)
	}
	if s, err := LoadLike(context.Background(), l, Options{NoCache: true, Height: 2, Width: 2}, ref); err != nil || s.H != 2 {
		t.Errorf("with image_size: %v", err)
	}
}

func TestLoadSixteenBit(t *testing.T) {
	root := t.TempDir()
	g := image.NewGray16(image.Rect(0, 0, 2, 1))
	g.SetGray16(0, 0, color.Gray16{Y: 0x1234})
	g.SetGray16(1, 0, color.Gray16{Y: 0xff00})
	writeImage(t, root, "a/1.png", g)
	s := load(t, root, ScanOptions{}, noCache)
	if s.C != 1 || !slices.Equal(s.Pix, []uint8{0x12, 0xff}) {
		t.Errorf("16-bit gray: %d channels, pixels %v", s.C, s.Pix)
	}
	c := image.NewNRGBA64(image.Rect(0, 0, 2, 1))
	c.SetNRGBA64(0, 0, color.NRGBA64{R: 0xa000, G: 0x5000, B: 0x2000, A: 0x8000})
	writeImage(t, root, "b/1.png", c)
	s = load(t, root, ScanOptions{}, noCache)
	if s.C != 3 || !slices.Equal(s.Image(1), []uint8{0xa0, 0x50, 0x20, 0, 0, 0}) {
		t.Errorf("16-bit colour with alpha: %d channels, pixels %v", s.C, s.Image(1))
	}
}
