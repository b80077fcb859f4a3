package images

import (
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// writeFile writes content to dir/rel, making folders.
func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeImage encodes img to dir/rel in the format of rel's extension.
func writeImage(t *testing.T, dir, rel string, img image.Image) string {
	t.Helper()
	p := writeFile(t, dir, rel, "")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(p) {
	case ".png":
		err = png.Encode(f, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	case ".gif":
		err = gif.Encode(f, img, nil)
	case ".bmp":
		err = bmp.Encode(f, img)
	case ".tif":
		err = tiff.Encode(f, img, nil)
	default:
		t.Fatalf("no encoder for %s", p)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// grayImage makes an h×w gray image with the given pixel values, row by row.
func grayImage(h, w int, pix ...uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	copy(m.Pix, pix)
	return m
}

// uniformGray makes an h×w gray image of one value.
func uniformGray(h, w int, v uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

// colourImage makes an h×w opaque image of one colour.
func colourImage(h, w int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// noCache keeps tests out of the user's cache.
var noCache = Options{NoCache: true}
