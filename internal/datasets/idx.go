package datasets

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/exp-runner/exp/internal/infile"
)

// IDX is the content of an idx file: unsigned bytes with their dimensions.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDX reads an idx file of unsigned bytes (magic 0x0000080N), gzipped
// when its name ends in .gz, until ctx is done. A wrong magic number, a
// size that does not match the header, or a corrupt gzip stream is an
// error that names the file. The header's dimensions are checked before
// the data is allocated: against limit (the most bytes the data may take,
// when > 0) and, for a file that is not gzipped, against its size; gzipped
// data is allocated as it arrives.
func ReadIDX(ctx context.Context, path string, limit int64) (*IDX, error) {
	f, err := infile.Open(ctx, path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	avail := int64(-1)
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid gzip file: %w", path, err)
		}
		defer zr.Close()
		r = infile.NewReader(ctx, path, zr, 0)
	} else if st, err := f.File().Stat(); err == nil && st.Mode().IsRegular() {
		avail = st.Size()
	}
	idx, err := readIDX(r, avail, limit)
	if err != nil {
		var tl *infile.TooLargeError
		if errors.As(err, &tl) {
			tl.Path = path
			return nil, tl
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

// readIDX reads an idx file from r, which holds avail bytes (-1: not
// known), its data at most limit bytes (> 0).
func readIDX(r io.Reader, avail, limit int64) (*IDX, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("truncated idx header: %w", unexpectedEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("not an idx file (magic number %#08x)", binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("idx data type %#02x is not unsigned bytes (0x08)", magic[2])
	}
	ndim := int(magic[3])
	if ndim < 1 || ndim > 4 {
		return nil, fmt.Errorf("idx file with %d dimensions", ndim)
	}
	dims := make([]int, ndim)
	size := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("truncated idx header: %w", unexpectedEOF(err))
		}
		dims[i] = int(d)
		size *= int(d)
		if size > 1<<31 {
			return nil, fmt.Errorf("idx dimensions %v are implausibly large", dims[:i+1])
		}
	}
	if limit > 0 && int64(size) > limit {
		return nil, &infile.TooLargeError{Limit: limit, Size: int64(size), What: fmt.Sprintf("the data (dimensions %v)", dims)}
	}
	if header := int64(4 + 4*ndim); avail >= 0 && int64(size) != avail-header {
		if int64(size) > avail-header {
			return nil, fmt.Errorf("truncated: header %v promises %d bytes of data, found %d", dims, size, avail-header)
		}
		return nil, fmt.Errorf("corrupt: more data than the header %v promises", dims)
	}
	buf, err := readData(r, size, dims)
	if err != nil {
		return nil, err
	}
	var extra [1]byte
	if m, _ := io.ReadFull(r, extra[:]); m > 0 {
		return nil, fmt.Errorf("corrupt: more data than the header %v promises", dims)
	}
	return &IDX{Dims: dims, Data: buf}, nil
}

// readData reads the size bytes of data (of dimensions dims) from r, allocating them as they
// arrive (in steps of up to 64 MiB), so that a header that promises more
// than r holds costs no more memory than r's bytes.
func readData(r io.Reader, size int, dims []int) ([]byte, error) {
	const step = 64 << 20
	buf := make([]byte, 0, min(size, step))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			buf = append(buf[:cap(buf)], make([]byte, min(size-len(buf), max(len(buf), step)))...)[:len(buf)]
		}
		n, err := io.ReadFull(r, buf[len(buf):min(cap(buf), size)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("truncated: header %v promises %d bytes of data, found %d", dims, size, len(buf))
			}
			return nil, fmt.Errorf("reading data: %w", err)
		}
	}
	return buf, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
