//go:build unix

package images

import (
	"io/fs"
	"syscall"
)

// readFile reads path into buf (grown as needed) with plain system calls:
// os.ReadFile's extra ones (poller registration, fstat, a last read to see
// the end) made reading 70,000 small files two to three times slower. size
// is the size Scan saw: once that many bytes have come, the file is taken
// as read, as Scan saw it.
func readFile(path string, size int64, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd) // read only: closing cannot lose data
	if want := int(size) + 1; cap(buf) < want {
		buf = make([]byte, 0, want)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if int64(len(buf)) == size {
			return buf, nil
		}
	}
}
