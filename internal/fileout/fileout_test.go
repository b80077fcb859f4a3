package fileout

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, text string) error {
	t.Helper()
	return Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, text)
		return err
	})
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// noTemps fails if a temporary file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range des {
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in %s", d.Name(), dir)
		}
	}
}

func TestNewFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := write(t, p, "a,b\n"); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if got := read(t, p); got != "a,b\n" || st.Mode() != 0o644 {
		t.Errorf("%q, mode %v; want a,b and -rw-r--r--", got, st.Mode())
	}
	noTemps(t, dir)
}

// TestRegularKeepsModeAndOwner: a private file stays private, and keeps
// its owner, and is replaced atomically (a new inode).
func TestRegularKeepsModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o600)
	owned := os.Getuid() == 0
	if owned {
		if err := os.Chown(p, 1234, 5678); err != nil {
			t.Fatal(err)
		}
	}
	before := inode(t, p)
	if err := write(t, p, "new"); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if got := read(t, p); got != "new" || st.Mode() != 0o600 {
		t.Errorf("%q, mode %v; want new and -rw-------", got, st.Mode())
	}
	if s := st.Sys().(*syscall.Stat_t); owned && (s.Uid != 1234 || s.Gid != 5678) {
		t.Errorf("owner %d:%d, want 1234:5678", s.Uid, s.Gid)
	}
	if inode(t, p) == before {
		t.Errorf("written in place, want an atomic rename")
	}
	noTemps(t, dir)
}

// TestSymlinkFollowed: the link stays a link and its target (in another
// folder) is written, with no temporary file left in either folder.
func TestSymlinkFollowed(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	target := filepath.Join(other, "real.csv")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(target, 0o640)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := write(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	lst, _ := os.Lstat(link)
	st, _ := os.Stat(target)
	if lst.Mode()&os.ModeSymlink == 0 || read(t, target) != "new" || st.Mode() != 0o640 {
		t.Errorf("link mode %v, target %q mode %v; want a link, new, -rw-r-----", lst.Mode(), read(t, target), st.Mode())
	}
	noTemps(t, dir)
	noTemps(t, other)
}

// TestDanglingSymlink: a link to nothing creates its target.
func TestDanglingSymlink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.csv")
	// a relative link, through a second link
	if err := os.Symlink("hop.csv", link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("made.csv", filepath.Join(dir, "hop.csv")); err != nil {
		t.Fatal(err)
	}
	if err := write(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "made.csv")); got != "new" {
		t.Errorf("target holds %q", got)
	}
	if lst, _ := os.Lstat(link); lst.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
}

// TestHardLinkKept: a file with two names is written in place; both see
// the new contents.
func TestHardLinkKept(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	if err := os.WriteFile(a, []byte("old contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	if err := write(t, a, "new"); err != nil {
		t.Fatal(err)
	}
	if read(t, a) != "new" || read(t, b) != "new" || inode(t, a) != inode(t, b) {
		t.Errorf("a %q, b %q, inodes %d %d; want both new, one inode", read(t, a), read(t, b), inode(t, a), inode(t, b))
	}
	noTemps(t, dir)
}

// TestDevFull: the device stays a device, and its ENOSPC is the error,
// naming it.
func TestDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	err := Write("/dev/full", func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Repeat("x", 100))
		return err
	})
	if err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "/dev/full") {
		t.Errorf("error %v, want ENOSPC naming /dev/full", err)
	}
	st, _ := os.Stat("/dev/full")
	if st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/full is now %v", st.Mode())
	}
}

func TestDevNull(t *testing.T) {
	if err := write(t, "/dev/null", "x"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat("/dev/null"); st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/null is now %v", st.Mode())
	}
}

// TestFIFO: a named pipe is written through, and stays a pipe.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := write(t, p, "through"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through" {
		t.Errorf("read %q", s)
	}
	if st, _ := os.Lstat(p); st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is now %v", st.Mode())
	}
	noTemps(t, dir)
}

// TestOpenFileLinks: /proc/self/fd/N, what /dev/stdout is, is written
// through: to a pipe, and appending to a regular file.
func TestOpenFileLinks(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := write(t, fmt.Sprintf("/proc/self/fd/%d", w.Fd()), "piped"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, _ := io.ReadAll(r); string(b) != "piped" {
		t.Errorf("pipe got %q", b)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "stdout.txt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("before;")
	before := inode(t, p)
	if err := write(t, fmt.Sprintf("/proc/self/fd/%d", f.Fd()), "after"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "before;after" || inode(t, p) != before {
		t.Errorf("file holds %q (inode kept: %v), want before;after in the same file", got, inode(t, p) == before)
	}
}

func TestFolderRefused(t *testing.T) {
	dir := t.TempDir()
	err := write(t, dir, "x")
	if err == nil || !strings.Contains(err.Error(), dir+" is a folder") {
		t.Errorf("error %v", err)
	}
	noTemps(t, dir)
}

// TestFailureLeavesTarget: when writing fails, the old file is as it was
// and nothing is left beside it.
func TestFailureLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) || read(t, p) != "old" {
		t.Errorf("error %v, file %q", err, read(t, p))
	}
	noTemps(t, dir)
}

func TestMissingFolder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "nope", "out.csv")
	err := write(t, p, "x")
	want := fmt.Sprintf("cannot write %s: folder %s does not exist", p, filepath.Join(dir, "nope"))
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestReadOnlyRefused: a file this process may not write is not replaced
// (root may write anything, so this runs as another user only).
func TestReadOnlyRefused(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root may write any file")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "ro.csv")
	if err := os.WriteFile(p, []byte("old"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := write(t, p, "new"); err == nil || read(t, p) != "old" {
		t.Errorf("error %v, file %q", err, read(t, p))
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere", "x"), link)
	for path, want := range map[string]string{
		filepath.Join(dir, "new.csv"):       "",
		"/dev/null":                         "",
		dir:                                 dir + " is a folder; name a file to write",
		filepath.Join(dir, "no", "out.csv"): "cannot write " + filepath.Join(dir, "no", "out.csv") + ": folder " + filepath.Join(dir, "no") + " does not exist",
		link:                                "cannot write " + link + ": folder " + filepath.Join(dir, "nowhere") + " does not exist",
	} {
		err := Check(path)
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("Check(%s) = %v, want %q", path, err, want)
		}
	}
}
