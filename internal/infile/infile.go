package infile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/exp-runner/exp/internal/meminfo"
)

// maxRead bounds one read, so that the context is checked between reads
// of a large file.
const maxRead = 4 << 20

// TooLargeError is a file (or stream) larger than what may be read into
// memory.
type TooLargeError struct {
	Path  string
	Limit int64 // bytes
	Size  int64 // the file's size; -1 for a stream whose end was not reached
	// What the bytes are ("" for "the file"), and why the limit (""
	// for "the most this machine's memory allows reading").
	What, Why string
}

// Error says what was too large, and the limit.
func (e *TooLargeError) Error() string {
	what, why := e.What, e.Why
	if what == "" {
		what = "the file"
	}
	if why == "" {
		why = "the most this machine's memory allows reading"
	}
	if e.Size < 0 {
		return fmt.Sprintf("%s: %s holds more than %s, %s", e.Path, what, meminfo.Text(e.Limit), why)
	}
	return fmt.Sprintf("%s: %s holds %s, more than %s, %s", e.Path, what, meminfo.Text(e.Size), meminfo.Text(e.Limit), why)
}

// MemoryLimit returns the bytes a file may hold when reading it takes
// factor times its size in memory: the machine's memory divided by factor
// (0, no limit, when the memory is not known).
func MemoryLimit(factor int64) int64 {
	total := meminfo.Total()
	if total <= 0 || factor <= 0 {
		return 0
	}
	return total / factor
}

// Reader reads a file or stream, watching a context and a limit.
type Reader struct {
	ctx   context.Context
	r     io.Reader
	f     *os.File // the file Open opened, or nil
	stop  func() bool
	path  string
	what  string
	limit int64
	n     int64
}

// Open opens the file at path to read it until ctx is done; limit > 0
// bounds the bytes read (see Reader.Read). Errors say in words what is
// wrong with the path (Explain).
func Open(ctx context.Context, path string, limit int64) (*Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := openFile(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Explain(path, err)
	}
	r := NewReader(ctx, path, f, limit)
	r.f = f
	// A read blocked on a FIFO or terminal is woken when ctx is done (a
	// regular file's reads do not block, and ignore the deadline).
	r.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	return r, nil
}

// NewReader reads r (path names it in errors) until ctx is done, and at
// most limit bytes when limit > 0.
func NewReader(ctx context.Context, path string, r io.Reader, limit int64) *Reader {
	return &Reader{ctx: ctx, r: r, path: path, limit: limit}
}

// Describe sets what the reader's bytes are, for TooLargeError ("the
// decompressed data"; default "the file").
func (r *Reader) Describe(what string) *Reader {
	r.what = what
	return r
}

// Read reads up to len(p) bytes (at most 4 MiB at a time). Once the context
// is done it returns the context's error; past the limit, a
// *TooLargeError.
func (r *Reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > maxRead {
		p = p[:maxRead]
	}
	if r.limit > 0 && int64(len(p)) > r.limit-r.n+1 {
		p = p[:r.limit-r.n+1] // one byte past the limit tells the limit was passed
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.ctx.Err() != nil && (err != nil || n == 0) {
		return n, r.ctx.Err()
	}
	if r.limit > 0 && r.n > r.limit {
		return n, &TooLargeError{Path: r.path, Limit: r.limit, Size: -1, What: r.what}
	}
	return n, err
}

// N is the number of bytes read so far.
func (r *Reader) N() int64 { return r.n }

// File is the file Open opened (nil for NewReader's).
func (r *Reader) File() *os.File { return r.f }

// Close closes the file Open opened; a reader of NewReader has nothing to
// close.
func (r *Reader) Close() error {
	if r.stop != nil {
		r.stop()
	}
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}

// ReadAll reads the whole file at path, at most limit bytes when limit > 0:
// a regular file larger than that is refused before it is read.
func ReadAll(ctx context.Context, path string, limit int64) ([]byte, error) {
	r, err := Open(ctx, path, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close() // read only: closing loses nothing
	size := int64(0)
	if st, err := r.f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
		if limit > 0 && size > limit {
			return nil, &TooLargeError{Path: path, Limit: limit, Size: size}
		}
	}
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, readError(path, err)
		}
	}
}

// readError names path in a read error (the context's and TooLargeError
// pass as they are).
func readError(path string, err error) error {
	var tl *TooLargeError
	if errors.As(err, &tl) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// Stat is os.Stat with the errors of Explain.
func Stat(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Explain(path, err)
	}
	return st, nil
}

// NotExistError is a path that does not exist, or a symbolic link whose
// target does not. It matches fs.ErrNotExist.
type NotExistError struct {
	Path   string
	Target string // the link's missing target; "" when Path itself is missing
}

// Error says what is missing.
func (e *NotExistError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("%s is a symbolic link to %s, which does not exist", e.Path, e.Target)
	}
	return fmt.Sprintf("%s does not exist", e.Path)
}

// Is makes errors.Is(err, fs.ErrNotExist) true.
func (e *NotExistError) Is(target error) bool { return target == fs.ErrNotExist }

// Explain returns err, an error of opening or statting path, in words: a
// *NotExistError for a missing file or a dangling link, "PATH: permission
// denied" and the like for the others (without the system call's name).
func Explain(path string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if target, lerr := os.Readlink(path); lerr == nil {
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(path), target)
			}
			return &NotExistError{Path: path, Target: target}
		}
		return &NotExistError{Path: path}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return err
}

// CheckRegular returns an error unless path is a regular file (after
// links): a folder, a device or a FIFO gets one that says which.
func CheckRegular(path string) error {
	st, err := Stat(path)
	if err != nil {
		return err
	}
	switch m := st.Mode(); {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("%s is a folder, not a file", path)
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%s is a FIFO, not a regular file", path)
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("%s is a device, not a regular file", path)
	}
	return fmt.Errorf("%s is not a regular file", path)
}

// LineTooLongError is a line longer than a reader's limit.
type LineTooLongError struct {
	Path string
	Line int // 1-based
	Max  int // bytes
}

// Error names the file and line.
func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("%s:%d: the line is longer than %d MiB: this is not a text file of lines", e.Path, e.Line, e.Max>>20)
}

// LimitLines returns a reader of r (path names it in errors) that fails
// with a *LineTooLongError once a line passes max bytes, before whatever
// reads it (encoding/csv, bufio.Scanner) has had to hold more.
func LimitLines(r io.Reader, path string, max int) io.Reader {
	return &lineLimit{r: r, path: path, max: max, line: 1}
}

type lineLimit struct {
	r    io.Reader
	path string
	max  int
	line int // the line being read
	cur  int // its bytes so far
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for buf := p[:n]; len(buf) > 0; {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			l.cur += len(buf)
			break
		}
		if l.cur+i > l.max {
			return 0, &LineTooLongError{Path: l.path, Line: l.line, Max: l.max}
		}
		l.line++
		l.cur = 0
		buf = buf[i+1:]
	}
	if l.cur > l.max {
		return 0, &LineTooLongError{Path: l.path, Line: l.line, Max: l.max}
	}
	return n, err
}
