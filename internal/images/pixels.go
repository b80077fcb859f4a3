package images

import "image"

// Pixels returns img's pixels as bytes (h×w×c, rows packed) with c = 1
// (grayscale) or 3 (RGB), converted as Load converts image files; with
// resize, bilinearly resized to h×w as Load resizes them. Without resize
// ok is false when img is not h×w.
func Pixels(img image.Image, h, w, c int, resize bool) (pix []uint8, ok bool) {
	b := img.Bounds()
	src := make([]uint8, b.Dx()*b.Dy()*c)
	toBytes(src, img, c)
	if b.Dx() == w && b.Dy() == h {
		return src, true
	}
	if !resize {
		return nil, false
	}
	dst := make([]uint8, h*w*c)
	newResizer(b.Dy(), b.Dx(), h, w, c).resize(dst, src, b.Dx())
	return dst, true
}
