//go:build unix

package fileout

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// links returns the number of hard links of st.
func links(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Nlink)
	}
	return 1
}

// keepOwner gives f the owner and group of st, and reports whether it
// could: a file owned by someone else (or by a group this process is not
// in) is written in place instead, so that it keeps them.
func keepOwner(f *os.File, st fs.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mine, err := f.Stat()
	if err != nil {
		return false
	}
	if m, ok := mine.Sys().(*syscall.Stat_t); ok && m.Uid == s.Uid && m.Gid == s.Gid {
		return true
	}
	return f.Chown(int(s.Uid), int(s.Gid)) == nil
}

// isEINVAL reports whether err is EINVAL: fsync of a pipe or socket.
func isEINVAL(err error) bool { return errors.Is(err, syscall.EINVAL) }

// writable returns an error when this process may not write the file at
// path (a read-only file is not replaced behind its owner's back).
func writable(path string) error {
	const wOK = 2 // W_OK of access(2)
	if err := syscall.Access(path, wOK); err != nil {
		return err
	}
	return nil
}
