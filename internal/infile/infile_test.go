package infile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadAll(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	os.WriteFile(p, []byte("hello\n"), 0o644)
	b, err := ReadAll(context.Background(), p, 6)
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("%q, %v", b, err)
	}
	_, err = ReadAll(context.Background(), p, 5)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 6 || !strings.HasPrefix(err.Error(), p+": the file holds 0.0 KB, more than 0.0 KB,") {
		t.Errorf("limit 5: %v", err)
	}
}

// fifo makes a named pipe, or skips the test.
func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	return p
}

// TestStreamLimit: a stream has no size to check first; reading stops
// once it passes the limit.
func TestStreamLimit(t *testing.T) {
	p := fifo(t)
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := make([]byte, 1<<16)
		for range 64 { // 4 MiB, until the reader stops reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	_, err := ReadAll(context.Background(), p, 1<<20)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != -1 || !strings.Contains(err.Error(), "holds more than 1.0 MB, the most this machine's memory allows reading") {
		t.Errorf("error %v", err)
	}
}

// TestCancelBlockedRead: a read waiting on a FIFO whose writer sends
// nothing returns the context's error once it is cancelled.
func TestCancelBlockedRead(t *testing.T) {
	p := fifo(t)
	opened := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			w.Write([]byte("a little"))
		}
		opened <- w
	}()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w := <-opened
	defer w.Close()
	buf := make([]byte, 100)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "a little" {
		t.Fatalf("%q, %v", buf[:n], err)
	}
	go cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestCancelBlockedOpen: opening a FIFO that no one writes ends when the
// context is cancelled.
func TestCancelBlockedOpen(t *testing.T) {
	p := fifo(t)
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := Open(ctx, p, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestExplain(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.csv")
	link := filepath.Join(dir, "link.csv")
	os.Symlink("gone.csv", link)
	for path, want := range map[string]string{
		missing: missing + " does not exist",
		link:    link + " is a symbolic link to " + filepath.Join(dir, "gone.csv") + ", which does not exist",
	} {
		_, err := Stat(path)
		if err == nil || err.Error() != want || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s): %v, want %q", path, err, want)
		}
		_, err = Open(context.Background(), path, 0)
		if err == nil || err.Error() != want {
			t.Errorf("Open(%s): %v, want %q", path, err, want)
		}
	}
}

func TestCheckRegular(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, nil, 0o644)
	for path, want := range map[string]string{
		f:           "",
		dir:         dir + " is a folder, not a file",
		"/dev/null": "/dev/null is a device, not a regular file",
		fifo(t):     "is a FIFO, not a regular file",
	} {
		err := CheckRegular(path)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckRegular(%s) = %v, want %q", path, err, want)
		}
	}
}

func TestLimitLines(t *testing.T) {
	text := "ab\ncdef\nghi\n"
	if b, err := io.ReadAll(LimitLines(strings.NewReader(text), "f", 4)); err != nil || string(b) != text {
		t.Errorf("within the limit: %q, %v", b, err)
	}
	_, err := io.ReadAll(LimitLines(strings.NewReader(text), "f", 3))
	if err == nil || err.Error() != "f:2: the line is longer than 0 MiB: this is not a text file of lines" {
		t.Errorf("limit 3: %v", err)
	}
	_, err = io.ReadAll(LimitLines(io.LimitReader(zeros{}, 10<<20), "/dev/zero", 1<<20))
	var le *LineTooLongError
	if !errors.As(err, &le) || le.Line != 1 {
		t.Errorf("zeros: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
