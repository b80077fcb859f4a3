package images

import (
	"slices"
	"testing"
)

// testImage is a 3×4×2 image whose bytes are all different.
func testImage() (h, w, c int, pix []uint8) {
	h, w, c = 3, 4, 2
	pix = make([]uint8, h*w*c)
	for i := range pix {
		pix[i] = uint8(10 * (i + 1))
	}
	return
}

func scaled(pix []uint8) []float32 {
	out := make([]float32, len(pix))
	for i, v := range pix {
		out[i] = float32(v) / 255
	}
	return out
}

func TestAugmentZeroIsPlainConversion(t *testing.T) {
	h, w, c, pix := testImage()
	got := make([]float32, len(pix))
	Augment(got, pix, h, w, c, Augmentation{}, 1, 2, 3)
	if want := scaled(pix); !slices.Equal(got, want) {
		t.Errorf("zero augmentation %v, want %v", got, want)
	}
}

// flipsOf returns the horizontal and vertical mirror images of pix.
func flipsOf(pix []uint8, h, w, c int) (hor, ver []uint8) {
	hor, ver = make([]uint8, len(pix)), make([]uint8, len(pix))
	for y := range h {
		for x := range w {
			for k := range c {
				hor[(y*w+x)*c+k] = pix[(y*w+w-1-x)*c+k]
				ver[(y*w+x)*c+k] = pix[((h-1-y)*w+x)*c+k]
			}
		}
	}
	return hor, ver
}

func TestAugmentFlip(t *testing.T) {
	h, w, c, pix := testImage()
	hor, ver := flipsOf(pix, h, w, c)
	for _, a := range []Augmentation{{Flip: FlipHorizontal}, {Flip: FlipVertical}} {
		want := scaled(hor)
		if a.Flip == FlipVertical {
			want = scaled(ver)
		}
		flipped, kept := 0, 0
		got := make([]float32, len(pix))
		for index := range 40 {
			Augment(got, pix, h, w, c, a, 7, 0, index)
			switch {
			case slices.Equal(got, want):
				flipped++
			case slices.Equal(got, scaled(pix)):
				kept++
			default:
				t.Fatalf("flip %d, example %d: %v is neither the image nor its mirror", a.Flip, index, got)
			}
		}
		if flipped == 0 || kept == 0 {
			t.Errorf("flip %d: %d flipped and %d kept of 40, want some of each", a.Flip, flipped, kept)
		}
	}
}

func TestAugmentGeometryNearIdentity(t *testing.T) {
	// A shift of a whole image width is impossible (Shift < 1), but a
	// zero-range rotation with a tiny zoom stays close to the image.
	h, w, c, pix := testImage()
	got := make([]float32, len(pix))
	Augment(got, pix, h, w, c, Augmentation{Zoom: 1e-6}, 3, 0, 0)
	for i, v := range scaled(pix) {
		if d := got[i] - v; d > 1e-4 || d < -1e-4 {
			t.Fatalf("value %d: %v, want %v", i, got[i], v)
		}
	}
	// A half-turn at most moves content: values stay within [0, 1].
	Augment(got, pix, h, w, c, Augmentation{Rotate: 180, Shift: 0.5, Zoom: 0.5, Flip: FlipBoth}, 3, 1, 5)
	for i, v := range got {
		if v < 0 || v > 1 {
			t.Fatalf("value %d out of range: %v", i, v)
		}
	}
}

func TestAugmentDeterministic(t *testing.T) {
	h, w, c, pix := testImage()
	a := Augmentation{Flip: FlipBoth, Shift: 0.2, Rotate: 15, Zoom: 0.1}
	run := func(seed uint64, epoch, index int) []float32 {
		out := make([]float32, len(pix))
		Augment(out, pix, h, w, c, a, seed, epoch, index)
		return out
	}
	base := run(42, 3, 9)
	if !slices.Equal(base, run(42, 3, 9)) {
		t.Error("same (seed, epoch, index) gave different images")
	}
	for name, other := range map[string][]float32{
		"epoch": run(42, 4, 9), "index": run(42, 3, 10), "seed": run(43, 3, 9),
	} {
		if slices.Equal(base, other) {
			t.Errorf("a different %s gave the same image", name)
		}
	}
}

func TestSetBatchUsesExampleIndex(t *testing.T) {
	h, w, c, pix := testImage()
	s := &Set{N: 2, H: h, W: w, C: c, Pix: append(slices.Clone(pix), pix...)}
	a := Augmentation{Shift: 0.3, Rotate: 30}
	n := h * w * c
	batch := make([]float32, 2*n)
	s.Batch(batch, []int{1, 0}, a, 5, 2)
	one := make([]float32, n)
	Augment(one, pix, h, w, c, a, 5, 2, 1)
	if !slices.Equal(batch[:n], one) {
		t.Error("batch slot 0 is not example 1's augmentation")
	}
	s.Batch(batch, []int{0, 1}, Augmentation{}, 5, 2)
	if !slices.Equal(batch[n:], scaled(pix)) {
		t.Error("no augmentation is not plain conversion")
	}
}

func TestAugmentationValidate(t *testing.T) {
	for _, a := range []Augmentation{{Shift: 1}, {Shift: -0.1}, {Rotate: 181}, {Zoom: 1}, {Flip: 9}} {
		if a.Validate() == nil {
			t.Errorf("%+v: no error", a)
		}
	}
	if err := (Augmentation{Flip: FlipBoth, Shift: 0.1, Rotate: 10, Zoom: 0.2}).Validate(); err != nil {
		t.Error(err)
	}
	for s, want := range map[string]Flip{"": NoFlip, "horizontal": FlipHorizontal, "vertical": FlipVertical, "both": FlipBoth} {
		if f, err := ParseFlip(s); err != nil || f != want {
			t.Errorf("ParseFlip(%q) = %d, %v", s, f, err)
		}
	}
	if _, err := ParseFlip("diagonal"); err == nil {
		t.Error("ParseFlip(diagonal): no error")
	}
}

// BenchmarkBatch fills one batch of 256 MNIST-sized images, plain and with
// every augmentation:
//
//	go test -run '^$' -bench BenchmarkBatch ./internal/images
func BenchmarkBatch(b *testing.B) {
	const n, h, w = 256, 28, 28
	s := &Set{N: n, H: h, W: w, C: 1, Pix: make([]uint8, n*h*w)}
	for i := range s.Pix {
		s.Pix[i] = uint8(i * 31)
	}
	indices := make([]int, n)
	for i := range indices {
		indices[i] = i
	}
	dst := make([]float32, n*h*w)
	for name, a := range map[string]Augmentation{
		"plain": {},
		"flip":  {Flip: FlipBoth},
		"all":   {Flip: FlipHorizontal, Shift: 0.1, Rotate: 10, Zoom: 0.1},
	} {
		b.Run(name, func(b *testing.B) {
			for epoch := 0; b.Loop(); epoch++ {
				s.Batch(dst, indices, a, 1, epoch)
			}
		})
	}
}
