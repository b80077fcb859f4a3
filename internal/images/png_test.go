package images

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"testing"
)

// pngChunk appends one chunk with its CRC.
func pngChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// handPNG builds a PNG whose rows all use the given filter on random
// samples (the stored bytes are random: any filter byte sequence decodes).
func handPNG(t *testing.T, w, h int, colorType, depth, interlace byte, filter func(y int) byte, r *rand.Rand) []byte {
	t.Helper()
	bpp := map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colorType] * int(depth) / 8
	var raw []byte
	for y := range h {
		raw = append(raw, filter(y))
		for range w * bpp {
			raw = append(raw, byte(r.IntN(256)))
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, interlace)
	out := pngChunk([]byte(pngSignature), "IHDR", ihdr)
	if colorType == 3 {
		pal := make([]byte, 3*256)
		for i := range pal {
			pal[i] = byte(r.IntN(256))
		}
		out = pngChunk(out, "PLTE", pal)
	}
	// Split the data over two IDAT chunks, as encoders may.
	half := z.Len() / 2
	out = pngChunk(out, "IDAT", z.Bytes()[:half])
	out = pngChunk(out, "IDAT", z.Bytes()[half:])
	return pngChunk(out, "IEND", nil)
}

// samePixels checks the fast path against image/png at 1 and 3 channels.
func samePixels(t *testing.T, name string, b []byte) {
	t.Helper()
	std, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: image/png: %v", name, err)
	}
	var d pngFast
	fast := d.decode(b)
	if fast == nil {
		t.Fatalf("%s: the fast path declined", name)
	}
	if fast.Bounds() != std.Bounds() || isGray(fast) != isGray(std) {
		t.Fatalf("%s: bounds %v gray %v, image/png %v gray %v", name, fast.Bounds(), isGray(fast), std.Bounds(), isGray(std))
	}
	n := std.Bounds().Dx() * std.Bounds().Dy()
	for _, c := range []int{1, 3} {
		got, want := make([]uint8, n*c), make([]uint8, n*c)
		toBytes(got, fast, c)
		toBytes(want, std, c)
		if !slices.Equal(got, want) {
			t.Fatalf("%s, %d channels: fast path differs from image/png", name, c)
		}
	}
}

func TestPNGFastPathFilters(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ct := range []byte{0, 2, 4, 6} {
		for f := range byte(5) {
			b := handPNG(t, 7, 5, ct, 8, 0, func(int) byte { return f }, r)
			samePixels(t, fmt.Sprintf("colour type %d, filter %d", ct, f), b)
		}
		mixed := handPNG(t, 9, 11, ct, 8, 0, func(y int) byte { return byte(y % 5) }, r)
		samePixels(t, fmt.Sprintf("colour type %d, mixed filters", ct), mixed)
	}
}

func TestPNGFastPathEncoded(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gray := image.NewGray(image.Rect(0, 0, 13, 6))
	opaque := image.NewNRGBA(image.Rect(0, 0, 5, 9))
	translucent := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for _, p := range [][]byte{gray.Pix, opaque.Pix, translucent.Pix} {
		for i := range p {
			p[i] = byte(r.IntN(256))
		}
	}
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 255
	}
	for name, img := range map[string]image.Image{"gray": gray, "rgb": opaque, "rgba": translucent} {
		for _, level := range []png.CompressionLevel{png.NoCompression, png.BestSpeed, png.BestCompression} {
			var b bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: level}).Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			samePixels(t, fmt.Sprintf("%s at level %d", name, level), b.Bytes())
		}
	}
}

func TestPNGFastPathDeclines(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	zero := func(int) byte { return 0 }
	good := handPNG(t, 4, 4, 0, 8, 0, zero, r)
	badCRC := slices.Clone(good)
	badCRC[len(badCRC)-20] ^= 1
	cases := map[string][]byte{
		"palette":    handPNG(t, 4, 4, 3, 8, 0, zero, r),
		"16 bits":    handPNG(t, 4, 4, 0, 16, 0, zero, r),
		"interlaced": handPNG(t, 4, 4, 0, 8, 1, zero, r),
		"bad filter": handPNG(t, 4, 4, 0, 8, 0, func(int) byte { return 9 }, r),
		"bad CRC":    badCRC,
		"truncated":  good[:len(good)-15],
		"not a PNG":  []byte("GIF89a"),
	}
	var d pngFast
	for name, b := range cases {
		if img := d.decode(b); img != nil {
			t.Errorf("%s: fast path decoded it", name)
		}
	}
	if d.decode(good) == nil {
		t.Error("a good PNG after bad ones: declined")
	}
	// The palette and 16-bit ones still load, through image/png (the hand-made
	// interlaced one is not valid Adam7 data).
	for _, name := range []string{"palette", "16 bits"} {
		var fd fileDecoder
		dir := t.TempDir()
		p := writeFile(t, dir, "x.png", string(cases[name]))
		if _, err := fd.decode(Entry{Path: p, Size: int64(len(cases[name]))}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

var _ color.Model = (*rgbImage)(nil).ColorModel()
