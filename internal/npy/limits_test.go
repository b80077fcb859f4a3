package npy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infile"
)

// header returns a .npy file's header alone, declaring shape.
func headerOnly(t *testing.T, descr string, shape []int) []byte {
	full := encode(t, 1, descr, false, shape, []uint8{})
	return full
}

// TestHeaderShapeChecked: a small file whose header declares a huge array
// is refused from its size (or the limit) before the array is allocated.
func TestHeaderShapeChecked(t *testing.T) {
	dir := t.TempDir()
	bomb := write(t, filepath.Join(dir, "bomb.npy"), headerOnly(t, "<f4", []int{1_000_000_000_000}))
	_, err := ReadFile(context.Background(), bomb, 0)
	if err == nil || !strings.Contains(err.Error(), "bomb.npy: truncated data: shape [1000000000000] of float32 needs 4000000000000 bytes, the file has 0 after its header") {
		t.Errorf("no limit: %v", err)
	}
	_, err = ReadFile(context.Background(), bomb, 1<<20)
	var tl *infile.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "bomb.npy: the array (shape [1000000000000] of float32) holds 4000 GB, more than 1.0 MB") {
		t.Errorf("limit 1 MiB: %v", err)
	}
	_, err = ReadFile(context.Background(), write(t, filepath.Join(dir, "overflow.npy"), headerOnly(t, "<f8", []int{1 << 40, 1 << 40})), 0)
	if err == nil || !strings.Contains(err.Error(), "has more than 2^56 elements") {
		t.Errorf("overflowing shape: %v", err)
	}
	// Read through a stream (no size known), the limit still holds.
	_, err = Decode("stream.npy", bytes.NewReader(headerOnly(t, "<f4", []int{1 << 30})), -1, 1<<20)
	if !errors.As(err, &tl) {
		t.Errorf("stream: %v", err)
	}
}

// rawNpz writes an archive with one stored member, whose declared
// uncompressed size is declared (whatever data holds).
func rawNpz(t *testing.T, path, name string, data []byte, declared uint64) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name + ".npy", Method: zip.Store, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return write(t, path, b.Bytes())
}

// TestNpzMemberChecked: a member declaring more bytes than the limit is
// refused before it is inflated; a header promising more than the member
// declares, before the array is allocated.
func TestNpzMemberChecked(t *testing.T) {
	dir := t.TempDir()
	small := encode(t, 1, "|u1", false, []int{4}, []uint8{1, 2, 3, 4})
	big := rawNpz(t, filepath.Join(dir, "big.npz"), "x", small, 1<<40)
	_, err := ReadNpz(context.Background(), big, 1<<30, "x")
	var tl *infile.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "big.npz:x: the member (by the size the archive declares) holds 1100 GB, more than 1.1 GB") {
		t.Errorf("declared 1 TiB: %v", err)
	}
	hdr := headerOnly(t, "<f8", []int{1 << 35})
	liar := rawNpz(t, filepath.Join(dir, "liar.npz"), "x", hdr, uint64(len(hdr)))
	_, err = ReadNpz(context.Background(), liar, 0, "x")
	if err == nil || !strings.Contains(err.Error(), "liar.npz:x: truncated data: shape [34359738368] of float64 needs 274877906944 bytes, the file has 0 after its header") {
		t.Errorf("header larger than the member: %v", err)
	}
}

// TestReadCancelled: reading stops with the context's error.
func TestReadCancelled(t *testing.T) {
	p := write(t, filepath.Join(t.TempDir(), "x.npy"), encode(t, 1, "|u1", false, []int{4}, []uint8{1, 2, 3, 4}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, p, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if _, err := ReadFile(context.Background(), filepath.Join(t.TempDir(), "gone.npy"), 0); err == nil || !strings.HasSuffix(err.Error(), "gone.npy does not exist") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
