//go:build unix

package datasets

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the file path into memory, read-only and private, and
// returns its content with the function that unmaps it. The content must
// not be written to, and stays valid after path is replaced or removed.
func mapFile(path string) ([]byte, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close() // the mapping outlives the descriptor; closing a read-only file loses nothing
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size <= 0 || size != int64(int(size)) {
		return nil, nil, fmt.Errorf("%s: cannot map %d bytes", path, size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, &os.PathError{Op: "mmap", Path: path, Err: err}
	}
	return b, func() { _ = syscall.Munmap(b) }, nil // unmapping a mapping of ours cannot fail in a way that matters
}
