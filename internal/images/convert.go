package images

import (
	"image"
	"image/color"
	"math"
)

// isGray reports whether img is grayscale by its colour model: a gray image,
// or a palette of grays.
func isGray(img image.Image) bool {
	switch m := img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	case *image.Paletted:
		for _, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			if n.R != n.G || n.G != n.B {
				return false
			}
		}
		return true
	}
	return false
}

// luma is PIL's integer conversion from RGB to L (ITU-R 601 weights).
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// toBytes writes img's pixels into dst (h×w×c, rows packed) with c = 1 or 3.
func toBytes(dst []uint8, img image.Image, c int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		for y := range h {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[i : i+w]
			out := dst[y*w*c : (y+1)*w*c]
			if c == 1 {
				copy(out, row)
				continue
			}
			for x, v := range row {
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	case *image.YCbCr:
		ycbcrToBytes(dst, m, c)
	case *image.NRGBA:
		for y := range h {
			i := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := m.Pix[i : i+4*w]
			rgbaRow(dst[y*w*c:(y+1)*w*c], row, c)
		}
	case *image.Paletted:
		palettedToBytes(dst, m, c)
	case *rgbImage:
		for i := range w * h {
			fillPixel(dst, i, c, m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2])
		}
	default:
		genericToBytes(dst, img, c)
	}
}

func rgbaRow(out, row []uint8, c int) {
	w := len(row) / 4
	for x := range w {
		r, g, b := row[4*x], row[4*x+1], row[4*x+2]
		if c == 1 {
			out[x] = luma(r, g, b)
		} else {
			out[3*x], out[3*x+1], out[3*x+2] = r, g, b
		}
	}
}

func ycbcrToBytes(dst []uint8, m *image.YCbCr, c int) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := range h {
		for x := range w {
			yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
			if c == 1 {
				dst[y*w+x] = m.Y[yi]
				continue
			}
			ci := m.COffset(b.Min.X+x, b.Min.Y+y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			o := 3 * (y*w + x)
			dst[o], dst[o+1], dst[o+2] = r, g, bl
		}
	}
}

func palettedToBytes(dst []uint8, m *image.Paletted, c int) {
	var table [256][3]uint8
	for i, col := range m.Palette {
		n := color.NRGBAModel.Convert(col).(color.NRGBA)
		table[i] = [3]uint8{n.R, n.G, n.B}
		if c == 1 {
			table[i][0] = luma(n.R, n.G, n.B)
		}
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := range h {
		i := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[i : i+w]
		for x, p := range row {
			t := table[p] // an index past the palette reads as black
			if c == 1 {
				dst[y*w+x] = t[0]
			} else {
				o := 3 * (y*w + x)
				dst[o], dst[o+1], dst[o+2] = t[0], t[1], t[2]
			}
		}
	}
}

// genericToBytes converts any image through the non-premultiplied RGBA
// model (alpha dropped); 16-bit values keep their high byte.
func genericToBytes(dst []uint8, img image.Image, c int) {
	b := img.Bounds()
	w := b.Dx()
	gray16 := isGray(img)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := (y-b.Min.Y)*w + (x - b.Min.X)
			col := img.At(x, y)
			if gray16 {
				v := color.Gray16Model.Convert(col).(color.Gray16).Y
				fillPixel(dst, o, c, uint8(v>>8), uint8(v>>8), uint8(v>>8))
				continue
			}
			n := color.NRGBA64Model.Convert(col).(color.NRGBA64)
			fillPixel(dst, o, c, uint8(n.R>>8), uint8(n.G>>8), uint8(n.B>>8))
		}
	}
}

func fillPixel(dst []uint8, o, c int, r, g, b uint8) {
	if c == 1 {
		dst[o] = luma(r, g, b)
		return
	}
	dst[3*o], dst[3*o+1], dst[3*o+2] = r, g, b
}

// axis holds, for each output coordinate, the two source coordinates and
// the weight of the second one.
type axis struct {
	i0, i1 []int
	f      []float32
}

// bilinearAxis maps out coordinates onto in ones at pixel centres:
// s = (o + 0.5)·in/out − 0.5, clamped to the image.
func bilinearAxis(in, out int) axis {
	a := axis{i0: make([]int, out), i1: make([]int, out), f: make([]float32, out)}
	scale := float64(in) / float64(out)
	for o := range out {
		s := (float64(o)+0.5)*scale - 0.5
		s = math.Max(0, math.Min(s, float64(in-1)))
		i := int(s)
		a.i0[o], a.i1[o], a.f[o] = i, min(i+1, in-1), float32(s-float64(i))
	}
	return a
}

// resizer resizes h×w×c images to oh×ow×c with bilinear interpolation.
type resizer struct {
	ys, xs axis
	c      int
}

func newResizer(h, w, oh, ow, c int) *resizer {
	return &resizer{ys: bilinearAxis(h, oh), xs: bilinearAxis(w, ow), c: c}
}

func (r *resizer) resize(dst, src []uint8, w int) {
	c, ow := r.c, len(r.xs.f)
	for oy, fy := range r.ys.f {
		row0 := src[r.ys.i0[oy]*w*c:]
		row1 := src[r.ys.i1[oy]*w*c:]
		out := dst[oy*ow*c:]
		for ox, fx := range r.xs.f {
			x0, x1 := r.xs.i0[ox]*c, r.xs.i1[ox]*c
			for k := range c {
				top := float32(row0[x0+k]) + fx*(float32(row0[x1+k])-float32(row0[x0+k]))
				bot := float32(row1[x0+k]) + fx*(float32(row1[x1+k])-float32(row1[x0+k]))
				out[ox*c+k] = uint8(top + fy*(bot-top) + 0.5)
			}
		}
	}
}
