package fileout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds the symbolic links followed, as the kernel does.
const maxLinks = 40

// File is an output file being written: its writes are buffered, and Close
// puts them in place. Abort gives up (an atomic write leaves the target as
// it was).
type File struct {
	path string   // as the user named it, for errors
	f    *os.File // the temporary file, or the target itself
	w    *bufio.Writer
	tmp  string // the temporary file's path ("" when writing in place or through)
	dst  string // where tmp is renamed to
	sync bool   // fsync before the rename (regular files)
	done bool
}

// Write creates path as Create does, calls fn to write it, and closes it;
// when fn fails, the file is abandoned (Abort) and fn's error returned.
func Write(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Abort()
		return err
	}
	return f.Close()
}

// Check reports, without writing anything, the problems Create would find
// before writing: path is a folder, or the folder of a new file does not
// exist. Commands call it before their work, to refuse a bad -o at once.
func Check(path string) error {
	if path == "" {
		return errors.New("no output file named")
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return fmt.Errorf("%s is a folder; name a file to write", path)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	real, _, err := resolve(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(real)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("cannot write %s: folder %s does not exist", path, dir)
	}
	return nil
}

// Create opens path for writing as the package documentation describes.
func Create(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("no output file named")
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("%s is a folder; name a file to write", path)
	case err == nil && !st.Mode().IsRegular():
		return through(path, os.O_WRONLY, false)
	case err == nil:
		return replace(path, st)
	case errors.Is(err, fs.ErrNotExist):
		return create(path)
	}
	return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
}

// replace writes the regular file st that path names (maybe through
// links), atomically where it can.
func replace(path string, st fs.FileInfo) (*File, error) {
	real, rst, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if rst == nil || !os.SameFile(st, rst) {
		// A link that names an open file rather than a path (/dev/stdout
		// redirected to a file is /proc/self/fd/1): append through it, as
		// the file descriptor would write.
		return through(path, os.O_WRONLY|os.O_APPEND, true)
	}
	if err := writable(real); err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err) // as the shell's > would refuse
	}
	if links(st) > 1 {
		return through(path, os.O_WRONLY|os.O_TRUNC, true)
	}
	f, err := tempBeside(path, real)
	if errors.Is(err, fs.ErrPermission) {
		return through(path, os.O_WRONLY|os.O_TRUNC, true) // a folder this process cannot write
	}
	if err != nil {
		return nil, err
	}
	if !keepOwner(f.f, st) {
		f.Abort()
		return through(path, os.O_WRONLY|os.O_TRUNC, true)
	}
	if err := f.f.Chmod(st.Mode().Perm()); err != nil {
		f.Abort()
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return f, nil
}

// create writes a new file where path (maybe a dangling link) leads.
func create(path string) (*File, error) {
	real, _, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := tempBeside(path, real)
	if err != nil {
		return nil, err
	}
	if err := f.f.Chmod(0o644); err != nil {
		f.Abort()
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return f, nil
}

// tempBeside creates the temporary file that will be renamed to real.
func tempBeside(path, real string) (*File, error) {
	dir := filepath.Dir(real)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(real)+".tmp-*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot write %s: folder %s does not exist", path, dir)
		}
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return &File{path: path, f: tmp, w: bufio.NewWriterSize(tmp, 1<<16), tmp: tmp.Name(), dst: real, sync: true}, nil
}

// through opens path itself for writing.
func through(path string, flag int, sync bool) (*File, error) {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return &File{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16), sync: sync}, nil
}

// Resolve returns the path that the symbolic links of path's last element
// lead to (path itself when it is no link; the missing target of a
// dangling one): where a folder the user named, such as exp export-model's
// -o DIR, is written without replacing the link.
func Resolve(path string) (string, error) {
	p, _, err := resolve(path)
	return p, err
}

// resolve follows the symbolic links of path's last element and returns
// the path they end at, with its FileInfo (nil when nothing is there).
func resolve(path string) (string, fs.FileInfo, error) {
	p := path
	for range maxLinks {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil, nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return p, st, nil
		}
		if procLink(p) {
			return p, nil, nil // /dev/stdout, /proc/self/fd/N: an open file, written through
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return "", nil, fmt.Errorf("cannot write %s: more than %d symbolic links", path, maxLinks)
}

// procLink reports whether the link p lives under /proc, where links
// name open files (/proc/self/fd/1, which /dev/stdout points to) rather
// than paths.
func procLink(p string) bool {
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	return err == nil && (dir == "/proc" || strings.HasPrefix(dir, "/proc/"))
}

// Write buffers p.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil {
		return n, f.wrap(err)
	}
	return n, nil
}

// Close flushes the writes and puts the file in place: it renames the
// temporary file over the target, or closes the target written in place
// or through. On an error the temporary file is removed.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.w.Flush()
	if err == nil && f.sync {
		err = f.f.Sync()
		if errors.Is(err, errors.ErrUnsupported) || isEINVAL(err) {
			err = nil // a file that cannot be synced (a pipe behind a link) is written all the same
		}
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && f.tmp != "" {
		err = os.Rename(f.tmp, f.dst)
		if err == nil {
			syncDir(filepath.Dir(f.dst))
		}
	}
	if err != nil {
		if f.tmp != "" {
			os.Remove(f.tmp) // best effort: the error below is what matters
		}
		return f.wrap(err)
	}
	return nil
}

// Abort gives up: the temporary file, if any, is removed and the target
// left as it was (a file written in place or through keeps what was
// written so far).
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close() // abandoned: its error does not matter
	if f.tmp != "" {
		os.Remove(f.tmp) // best effort: a leftover hidden file is harmless
	}
}

// wrap names the user's path in a write error.
func (f *File) wrap(err error) error {
	return fmt.Errorf("writing %s: %w", f.path, unwrapPath(err))
}

// unwrapPath drops the *fs.PathError around err: messages name the
// user's path themselves, not a temporary one.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// syncDir makes a rename in dir durable; where folders cannot be synced
// it does nothing.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync() // the rename is done; a folder that cannot be synced loses nothing more
	d.Close()
}
