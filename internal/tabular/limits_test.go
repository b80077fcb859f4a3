package tabular

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infile"
)

// TestLongLine: /dev/zero (no newline, no end) stops at the line limit
// with an error naming the file and line; so does a long line later on.
func TestLongLine(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ReadFile(context.Background(), "/dev/zero", ReadOptions{})
	if err == nil || err.Error() != "/dev/zero:1: the line is longer than 64 MiB: this is not CSV data" {
		t.Errorf("/dev/zero: %v", err)
	}
	path := filepath.Join(t.TempDir(), "long.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("a,b\n1,2\n3,")
	f.Write(bytes.Repeat([]byte{'4'}, MaxLineBytes+1))
	f.Close()
	_, err = ReadFile(context.Background(), path, ReadOptions{})
	if err == nil || err.Error() != path+":3: the line is longer than 64 MiB: this is not CSV data" {
		t.Errorf("long third line: %v", err)
	}
}

// TestMaxBytes: a file larger than the limit is refused from its size; a
// gzip file whose data inflates past it, as it inflates.
func TestMaxBytes(t *testing.T) {
	dir := t.TempDir()
	text := "a,b\n" + strings.Repeat("1,2\n", 1000)
	plain := filepath.Join(dir, "plain.csv")
	os.WriteFile(plain, []byte(text), 0o644)
	_, err := ReadFile(context.Background(), plain, ReadOptions{MaxBytes: 1000})
	var tl *infile.TooLargeError
	if !errors.As(err, &tl) || tl.Size != int64(len(text)) {
		t.Errorf("plain: %v", err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text))
	zw.Close()
	gz := filepath.Join(dir, "bomb.csv.gz")
	os.WriteFile(gz, buf.Bytes(), 0o644)
	_, err = ReadFile(context.Background(), gz, ReadOptions{MaxBytes: 1000})
	if !errors.As(err, &tl) || tl.Size != -1 || !strings.Contains(err.Error(), "bomb.csv.gz: the decompressed data holds more than 1.0 KB") {
		t.Errorf("gzip: %v", err)
	}
	if tab, err := ReadFile(context.Background(), gz, ReadOptions{MaxBytes: int64(len(text))}); err != nil || tab.N() != 1000 {
		t.Errorf("within the limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, plain, ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestParseCancelled: parsing a large body stops once the context is
// done (the chunks look at it every checkEvery lines).
func TestParseCancelled(t *testing.T) {
	body := "a,b\n" + strings.Repeat("1,x\n", 3*checkEvery)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := parseCtx(ctx, "big.csv", []byte(body), ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if tab, err := parseCtx(context.Background(), "big.csv", []byte(body), ReadOptions{}); err != nil || tab.N() != 3*checkEvery {
		t.Errorf("not cancelled: %v", err)
	}
}
