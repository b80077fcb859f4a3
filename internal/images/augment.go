package images

import (
	"fmt"
	"math"
)

// Flip is the flipping part of an Augmentation.
type Flip int

const (
	// NoFlip never flips.
	NoFlip Flip = iota
	// FlipHorizontal mirrors left and right with probability 1/2.
	FlipHorizontal
	// FlipVertical mirrors top and bottom with probability 1/2.
	FlipVertical
	// FlipBoth does each of the two, independently.
	FlipBoth
)

// ParseFlip reads "horizontal", "vertical", "both" or "" (no flip).
func ParseFlip(s string) (Flip, error) {
	switch s {
	case "":
		return NoFlip, nil
	case "horizontal":
		return FlipHorizontal, nil
	case "vertical":
		return FlipVertical, nil
	case "both":
		return FlipBoth, nil
	}
	return NoFlip, fmt.Errorf("flip: %q is not horizontal, vertical or both", s)
}

// Augmentation is the random change made to each training image, drawn
// anew for every (seed, epoch, example index). The geometric part maps
// output pixels back onto the image about its centre, samples it
// bilinearly and fills what falls outside with 0 (black).
type Augmentation struct {
	Flip Flip
	// Shift moves the image by up to ±Shift of its height and width
	// (uniform, each axis on its own); 0 ≤ Shift < 1.
	Shift float64
	// Rotate turns it by up to ±Rotate degrees (uniform); 0 ≤ Rotate ≤ 180.
	Rotate float64
	// Zoom scales it by a factor in [1−Zoom, 1+Zoom] (uniform; above 1
	// zooms in); 0 ≤ Zoom < 1.
	Zoom float64
}

// Validate checks the ranges.
func (a Augmentation) Validate() error {
	switch {
	case a.Flip < NoFlip || a.Flip > FlipBoth:
		return fmt.Errorf("flip: unknown value %d", a.Flip)
	case !(a.Shift >= 0 && a.Shift < 1):
		return fmt.Errorf("shift: %g is not a fraction in [0, 1)", a.Shift)
	case !(a.Rotate >= 0 && a.Rotate <= 180):
		return fmt.Errorf("rotate: %g is not a number of degrees in [0, 180]", a.Rotate)
	case !(a.Zoom >= 0 && a.Zoom < 1):
		return fmt.Errorf("zoom: %g is not a fraction in [0, 1)", a.Zoom)
	}
	return nil
}

// IsZero reports whether a changes nothing.
func (a Augmentation) IsZero() bool { return a == Augmentation{} }

// scale255 holds v/255 for every byte v, as float32(v)/255 computes it.
var scale255 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// ToFloat writes src's bytes v into dst as v/255.
func ToFloat(dst []float32, src []uint8) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = scale255[v]
	}
}

// rng is splitmix64.
type rng struct{ s uint64 }

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func newRNG(seed uint64, epoch, index int) rng {
	s := mix(seed + 0x9e3779b97f4a7c15)
	s = mix(s ^ mix(uint64(epoch)+0x632be59bd9b4e019))
	s = mix(s ^ mix(uint64(index)+0x8cb92ba72f3d8dd7))
	return rng{s}
}

// uniform returns a number in [0, 1).
func (r *rng) uniform() float64 {
	r.s += 0x9e3779b97f4a7c15
	return float64(mix(r.s)>>11) / (1 << 53)
}

// draw is one example's random choices.
type draw struct {
	flipH, flipV     bool
	tx, ty, cos, sin float64
	invZoom          float64
	geometric, flips bool
}

// drawFor makes the same six draws in the same order whatever a holds, so
// turning one augmentation on does not change the others' values.
func drawFor(a Augmentation, h, w int, seed uint64, epoch, index int) draw {
	r := newRNG(seed, epoch, index)
	uh, uv := r.uniform(), r.uniform()
	sx, sy, ang, zm := 2*r.uniform()-1, 2*r.uniform()-1, 2*r.uniform()-1, 2*r.uniform()-1
	d := draw{
		flipH:   (a.Flip == FlipHorizontal || a.Flip == FlipBoth) && uh < 0.5,
		flipV:   (a.Flip == FlipVertical || a.Flip == FlipBoth) && uv < 0.5,
		tx:      sx * a.Shift * float64(w),
		ty:      sy * a.Shift * float64(h),
		invZoom: 1 / (1 + zm*a.Zoom),
	}
	theta := ang * a.Rotate * math.Pi / 180
	d.cos, d.sin = math.Cos(theta), math.Sin(theta)
	d.geometric = a.Shift > 0 || a.Rotate > 0 || a.Zoom > 0
	d.flips = d.flipH || d.flipV
	return d
}

// Augment writes image src (h×w×c bytes) into dst (h·w·c float32 values)
// as v/255, changed by a: a pure function of (seed, epoch, index) and the
// image. With a zero Augmentation it equals ToFloat.
func Augment(dst []float32, src []uint8, h, w, c int, a Augmentation, seed uint64, epoch, index int) {
	dst, src = dst[:h*w*c], src[:h*w*c]
	d := drawFor(a, h, w, seed, epoch, index)
	switch {
	case d.geometric:
		warp(dst, src, h, w, c, d)
	case d.flips:
		flip(dst, src, h, w, c, d.flipH, d.flipV)
	default:
		ToFloat(dst, src)
	}
}

func flip(dst []float32, src []uint8, h, w, c int, fh, fv bool) {
	for y := range h {
		sy := y
		if fv {
			sy = h - 1 - y
		}
		for x := range w {
			sx := x
			if fh {
				sx = w - 1 - x
			}
			for k := range c {
				dst[(y*w+x)*c+k] = scale255[src[(sy*w+sx)*c+k]]
			}
		}
	}
}

// warp maps each output pixel centre back through the shift, rotation and
// zoom about the image centre, then the flips, and samples bilinearly. The
// source point is affine in the output one, so it advances by a fixed step
// along a row.
func warp(dst []float32, src []uint8, h, w, c int, d draw) {
	cx, cy := float64(w)/2, float64(h)/2
	axx, axy := d.cos*d.invZoom, d.sin*d.invZoom
	ayx, ayy := -d.sin*d.invZoom, d.cos*d.invZoom
	u0 := 0.5 - cx - d.tx
	for y := range h {
		v := float64(y) + 0.5 - cy - d.ty
		sx := axx*u0 + axy*v + cx - 0.5
		sy := ayx*u0 + ayy*v + cy - 0.5
		for x := range w {
			px, py := sx, sy
			if d.flipH {
				px = float64(w-1) - px
			}
			if d.flipV {
				py = float64(h-1) - py
			}
			sample(dst[(y*w+x)*c:(y*w+x+1)*c], src, h, w, c, px, py)
			sx += axx
			sy += ayx
		}
	}
}

// sample writes the bilinear value at (sx, sy) of each channel, scaled by
// 1/255, reading 0 outside the image.
func sample(out []float32, src []uint8, h, w, c int, sx, sy float64) {
	x0, y0 := math.Floor(sx), math.Floor(sy)
	fx, fy := float32(sx-x0), float32(sy-y0)
	ix, iy := int(x0), int(y0)
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	if ix >= 0 && iy >= 0 && ix+1 < w && iy+1 < h {
		i00 := (iy*w + ix) * c
		i01 := i00 + w*c
		for k := range out {
			out[k] = (w00*float32(src[i00+k]) + w10*float32(src[i00+c+k]) +
				w01*float32(src[i01+k]) + w11*float32(src[i01+c+k])) / 255
		}
		return
	}
	at := func(px, py, k int) float32 {
		if px < 0 || py < 0 || px >= w || py >= h {
			return 0
		}
		return float32(src[(py*w+px)*c+k])
	}
	for k := range out {
		out[k] = (w00*at(ix, iy, k) + w10*at(ix+1, iy, k) + w01*at(ix, iy+1, k) + w11*at(ix+1, iy+1, k)) / 255
	}
}

// Batch writes the images with the given indices into dst, one after
// another as float32 values v/255, augmented by a with each image's own
// index (a zero Augmentation for evaluation). dst must hold
// len(indices)·H·W·C values.
func (s *Set) Batch(dst []float32, indices []int, a Augmentation, seed uint64, epoch int) {
	n := s.H * s.W * s.C
	for j, i := range indices {
		Augment(dst[j*n:(j+1)*n], s.Image(i), s.H, s.W, s.C, a, seed, epoch, i)
	}
}
