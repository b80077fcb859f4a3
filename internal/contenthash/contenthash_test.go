package contenthash

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.csv", "x,y\n1,2\n")
	b := write(t, dir, "b.csv", "x,y\n3,4\n")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	aCopy := write(t, sub, "renamed.csv", "x,y\n1,2\n")
	ab, err := Files(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Files(context.Background(), aCopy, b); got != ab {
		t.Error("same contents under another path hashed differently")
	}
	if got, _ := Files(context.Background(), b, a); got == ab {
		t.Error("swapping the files' order gave the same hash")
	}
	// Moving a byte across the file boundary must change the identity.
	c := write(t, dir, "c.csv", "x,y\n1,2\nx")
	d := write(t, dir, "d.csv", ",y\n3,4\n")
	if got, _ := Files(context.Background(), c, d); got == ab {
		t.Error("shifting bytes between files kept the hash")
	}
	write(t, dir, "b.csv", "x,y\n3,5\n")
	if got, _ := Files(context.Background(), a, b); got == ab {
		t.Error("changed contents kept the hash")
	}
}

func TestFile(t *testing.T) {
	p := write(t, t.TempDir(), "f", "hello\n")
	got, err := File(p)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("hello\n"))
	if got != hex.EncodeToString(want[:]) {
		t.Errorf("File = %s, want %x", got, want)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Files(context.Background()); err == nil {
		t.Error("no files: no error")
	}
	missing := filepath.Join(t.TempDir(), "nope.csv")
	if _, err := Files(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "nope.csv") {
		t.Errorf("missing file: %v", err)
	}
}
