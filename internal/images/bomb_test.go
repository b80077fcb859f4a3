package images

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngBomb is a valid PNG header (signature, IHDR with its CRC) declaring
// w×h gray pixels, and no data: a file of 33 bytes.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString(pngSignature)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; colour type 0 (gray), no interlace
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// bombs are headers of each format that image decodes, declaring far more
// than DefaultMaxPixels: crafted, never allocated.
func bombs() map[string][]byte {
	jpeg := []byte{0xff, 0xd8, // SOI
		0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, // APP0 JFIF
		0xff, 0xc0, 0, 17, 8, 0xea, 0x60, 0xea, 0x60, 3, // SOF0: 60000×60000, 3 components
		1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0}
	gif := append([]byte("GIF89a"), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, // 65535×65535, no colour table
		0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0) // an image descriptor of that size
	bmp := make([]byte, 54)
	copy(bmp, "BM")
	binary.LittleEndian.PutUint32(bmp[2:], 54)
	binary.LittleEndian.PutUint32(bmp[10:], 54)
	binary.LittleEndian.PutUint32(bmp[14:], 40)     // BITMAPINFOHEADER
	binary.LittleEndian.PutUint32(bmp[18:], 100000) // width
	binary.LittleEndian.PutUint32(bmp[22:], 100000) // height
	binary.LittleEndian.PutUint16(bmp[26:], 1)      // planes
	binary.LittleEndian.PutUint16(bmp[28:], 24)     // bits per pixel
	webp := append([]byte("RIFF"), 0, 0, 0, 0)
	webp = append(webp, "WEBPVP8X"...)
	webp = append(webp, 10, 0, 0, 0, 0, 0, 0, 0, 0x9f, 0x86, 0x01, 0x9f, 0x86, 0x01) // canvas 100000×100000 (minus one, 24 bits each)
	binary.LittleEndian.PutUint32(webp[4:], uint32(len(webp)-8))
	return map[string][]byte{
		"bomb.png": pngBomb(100000, 100000), "bomb.jpg": jpeg, "bomb.gif": gif,
		"bomb.bmp": bmp, "bomb.tif": tiffBomb(), "bomb.webp": webp,
	}
}

// tiffBomb is a little-endian TIFF whose one IFD declares 100000×100000
// 8-bit gray pixels in one uncompressed strip.
func tiffBomb() []byte {
	type entry struct {
		tag, typ uint16
		value    uint32
	}
	entries := []entry{
		{256, 4, 100000}, // ImageWidth
		{257, 4, 100000}, // ImageLength
		{258, 3, 8},      // BitsPerSample
		{259, 3, 1},      // Compression: none
		{262, 3, 1},      // PhotometricInterpretation: black is zero
		{273, 4, 8},      // StripOffsets
		{277, 3, 1},      // SamplesPerPixel
		{278, 4, 100000}, // RowsPerStrip
		{279, 4, 1},      // StripByteCounts
	}
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, binary.LittleEndian, e.tag)
		binary.Write(&b, binary.LittleEndian, e.typ)
		binary.Write(&b, binary.LittleEndian, uint32(1))
		if e.typ == 3 {
			binary.Write(&b, binary.LittleEndian, uint16(e.value))
			binary.Write(&b, binary.LittleEndian, uint16(0))
		} else {
			binary.Write(&b, binary.LittleEndian, e.value)
		}
	}
	binary.Write(&b, binary.LittleEndian, uint32(0))
	return b.Bytes()
}

// TestBombsRefused: every format's header declaring too many pixels is
// refused, naming the file, before it is decoded (the 194 KB PNG
// declaring 100000×100000 crashed validate and predict).
func TestBombsRefused(t *testing.T) {
	dir := t.TempDir()
	for name, b := range bombs() {
		// Each header is one the standard decoders read as such.
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || int64(cfg.Width)*int64(cfg.Height) <= DefaultMaxPixels {
			t.Errorf("%s: DecodeConfig %s %dx%d, %v: not a bomb header", name, format, cfg.Width, cfg.Height, err)
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var fd fileDecoder
		_, err = fd.decode(Entry{Path: p, Size: int64(len(b))})
		var pe *PixelsError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), p+": the image declares ") ||
			!strings.Contains(err.Error(), "more than the limit of 50,000,000 (data.max_image_pixels, or --max-image-pixels, raises it)") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestLoadReportsEveryImage: a folder with several bad images reports
// each of them (a bomb, an undecodable file, a size that differs), not
// the first only.
func TestLoadReportsEveryImage(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a/1.png", "b/4.png", "b/6.png"} {
		writeImage(t, root, name, uniformGray(3, 3, 9))
	}
	writeImage(t, root, "b/5.png", uniformGray(5, 5, 9))
	writeFile(t, root, "a/2.png", string(pngBomb(100000, 100000)))
	writeFile(t, root, "a/3.png", "not an image")
	l, err := Scan(context.Background(), root, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(context.Background(), l, Options{NoCache: true})
	msg := strings.ReplaceAll(fmt2(err), root+string(filepath.Separator), "")
	for _, want := range []string{"a/2.png: the image declares 100000×100000 pixels", "a/3.png: cannot decode image", "b/5.png is 5×5"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "\n") + 1; n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, msg)
	}
}

func fmt2(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestScanReportsEveryRow: a labels CSV's missing files and empty rows
// are all reported, capped at 20 with a count of the rest.
func TestScanReportsEveryRow(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("file,label\n")
	for i := range 30 {
		fmt.Fprintf(&b, "missing%02d.png,x\n", i)
	}
	b.WriteString(",y\n")
	p := writeFile(t, dir, "labels.csv", b.String())
	_, err := Scan(context.Background(), p, ScanOptions{})
	msg := fmt2(err)
	if !strings.HasPrefix(msg, p+":32: empty file or label") {
		t.Errorf("the empty row first (reading the rows comes before statting their files):\n%s", msg)
	}
	writeFile(t, dir, "labels.csv", strings.Replace(b.String(), ",y\n", "", 1))
	_, err = Scan(context.Background(), p, ScanOptions{})
	msg = fmt2(err)
	if !strings.HasPrefix(msg, p+":2: "+filepath.Join(dir, "missing00.png")+" does not exist\n") || !strings.HasSuffix(msg, "\n… and 10 more") {
		t.Errorf("missing files:\n%s", msg)
	}
}

// TestLabelsLineLimit: a labels CSV that is one endless line (/dev/zero
// behind a link) stops at the line limit.
func TestLabelsLineLimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	p := filepath.Join(t.TempDir(), "labels.csv")
	os.Symlink("/dev/zero", p)
	_, err := Scan(context.Background(), p, ScanOptions{})
	if err == nil || err.Error() != p+":1: the line is longer than 64 MiB: this is not a text file of lines" {
		t.Errorf("error %v", err)
	}
}
