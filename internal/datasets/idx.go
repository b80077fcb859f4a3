package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// IDX is the content of an idx file: unsigned bytes with their dimensions.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDX reads an idx file of unsigned bytes (magic 0x0000080N), gzipped
// when its name ends in .gz. A wrong magic number, a size that does not match
// the header, or a corrupt gzip stream is an error that names the file.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid gzip file: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	idx, err := readIDX(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

func readIDX(r io.Reader) (*IDX, error) {
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
	buf := make([]byte, size)
	n, err := io.ReadFull(r, buf)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("truncated: header %v promises %d bytes of data, found %d", dims, size, n)
		}
		return nil, fmt.Errorf("reading data: %w", err)
	}
	var extra [1]byte
	if m, _ := io.ReadFull(r, extra[:]); m > 0 {
		return nil, fmt.Errorf("corrupt: more data than the header %v promises", dims)
	}
	return &IDX{Dims: dims, Data: buf}, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
