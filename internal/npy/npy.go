package npy

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unsafe"

	"github.com/exp-runner/exp/internal/infile"
)

// Array is a NumPy array in memory. Exactly one of the data slices is set,
// by dtype: U8 for uint8 and bool; F32 for float32 and float64 (converted);
// I32 for int8, int16, uint16 and int32; I64 for int64, uint32 and uint64.
type Array struct {
	Name  string // the file, or FILE:MEMBER in an archive, for errors
	Shape []int  // C order
	DType string // the NumPy dtype name, e.g. "uint8", "float64"
	U8    []uint8
	F32   []float32
	I32   []int32
	I64   []int64
}

// Size is the number of elements: the product of the shape.
func (a *Array) Size() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Len is the length of the first axis (the number of examples); 0 for a
// 0-d array.
func (a *Array) Len() int {
	if len(a.Shape) == 0 {
		return 0
	}
	return a.Shape[0]
}

// IsInteger reports whether the array holds integers (bool counts as one).
func (a *Array) IsInteger() bool { return a.F32 == nil }

// Float32 returns the elements as float32, converting integers.
func (a *Array) Float32() []float32 {
	switch {
	case a.F32 != nil:
		return a.F32
	case a.U8 != nil:
		return convert[uint8, float32](a.U8)
	case a.I32 != nil:
		return convert[int32, float32](a.I32)
	}
	return convert[int64, float32](a.I64)
}

// Int64 returns the elements of an integer array as int64; nil for floats.
func (a *Array) Int64() []int64 {
	switch {
	case a.I64 != nil:
		return a.I64
	case a.U8 != nil:
		return convert[uint8, int64](a.U8)
	case a.I32 != nil:
		return convert[int32, int64](a.I32)
	}
	return nil
}

func convert[From, To uint8 | int32 | int64 | float32](s []From) []To {
	out := make([]To, len(s))
	for i, v := range s {
		out[i] = To(v)
	}
	return out
}

// ReadFile reads the .npy file at path until ctx is done. The header's
// shape is checked against the file's size and against limit (the most
// bytes the array's data may take; 0: no limit) before anything is
// allocated.
func ReadFile(ctx context.Context, path string, limit int64) (*Array, error) {
	f, err := infile.Open(ctx, path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only: a close error loses nothing
	avail := int64(-1)
	if st, err := f.File().Stat(); err == nil && st.Mode().IsRegular() {
		avail = st.Size()
	}
	return Decode(path, bufio.NewReaderSize(f, 1<<16), avail, limit)
}

// header is the parsed header dictionary of a .npy file.
type header struct {
	descr   string
	fortran bool
	shape   []int
	size    int64 // the bytes of the magic string, version, length and dictionary
}

var (
	descrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// Decode reads one array in .npy format from r; name is used in errors.
// avail is the number of bytes r holds (-1: not known): a header whose
// shape needs more is an error before anything is allocated, as is one
// whose data would take more than limit bytes (limit > 0), an
// *infile.TooLargeError.
func Decode(name string, r io.Reader, avail, limit int64) (*Array, error) {
	h, err := readHeader(name, r)
	if err != nil {
		return nil, err
	}
	if h.fortran {
		return nil, fmt.Errorf("%s: the array is in Fortran order; save it in C order (numpy.ascontiguousarray)", name)
	}
	a := &Array{Name: name, Shape: h.shape}
	if avail >= 0 {
		avail -= h.size
	}
	if err := a.readData(h.descr, r, avail, limit); err != nil {
		return nil, err
	}
	return a, nil
}

// readHeader reads the magic string, version and header dictionary.
func readHeader(name string, r io.Reader) (*header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		if isStop(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: not a NumPy .npy file (no \\x93NUMPY magic string)", name)
	}
	var n int
	var lenBytes int64
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, truncated(name, err)
		}
		n, lenBytes = int(binary.LittleEndian.Uint16(b[:])), 2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, truncated(name, err)
		}
		n, lenBytes = int(binary.LittleEndian.Uint32(b[:])), 4
	default:
		return nil, fmt.Errorf("%s: .npy format version %d.%d is not supported (1 to 3 are)", name, pre[6], pre[7])
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("%s: header of %d bytes is implausibly long", name, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, truncated(name, err)
	}
	h, err := parseHeader(name, string(buf))
	if err != nil {
		return nil, err
	}
	h.size = 8 + lenBytes + int64(n)
	return h, nil
}

// truncated is the error of a header cut short (or of reading stopped).
func truncated(name string, err error) error {
	if isStop(err) {
		return err
	}
	return fmt.Errorf("%s: truncated header", name)
}

// isStop reports whether err stopped reading on purpose: a cancelled
// context, or a limit.
func isStop(err error) bool {
	var tl *infile.TooLargeError
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &tl)
}

// parseHeader reads the dictionary {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }.
func parseHeader(name, s string) (*header, error) {
	d, f, sh := descrRE.FindStringSubmatch(s), fortranRE.FindStringSubmatch(s), shapeRE.FindStringSubmatch(s)
	if d == nil || f == nil || sh == nil {
		return nil, fmt.Errorf("%s: malformed header %q", name, strings.TrimSpace(s))
	}
	h := &header{descr: d[1], fortran: f[1] == "True"}
	for _, part := range strings.Split(sh[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSuffix(part, "L"))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s: bad shape %q", name, sh[1])
		}
		h.shape = append(h.shape, v)
	}
	n := int64(1)
	for _, d := range h.shape {
		if d != 0 && n > maxElements/int64(d) {
			return nil, fmt.Errorf("%s: shape %v has more than 2^56 elements", name, h.shape)
		}
		n *= int64(d)
	}
	return h, nil
}

// maxElements bounds an array's elements, so that its bytes (8 per
// element at most) are an int64.
const maxElements = 1 << 56

// dtypes maps a descr (after the byte-order character) to the NumPy name.
var dtypes = map[string]string{
	"u1": "uint8", "b1": "bool", "i1": "int8", "i2": "int16", "u2": "uint16", "i4": "int32",
	"u4": "uint32", "i8": "int64", "u8": "uint64", "f4": "float32", "f8": "float64",
}

// readData reads the elements described by descr from r, which holds
// avail bytes (-1: not known), refusing data larger than limit (> 0)
// before allocating it.
func (a *Array) readData(descr string, r io.Reader, avail, limit int64) error {
	if len(descr) < 3 {
		return fmt.Errorf("%s: unsupported dtype %q", a.Name, descr)
	}
	order, code := descr[0], descr[1:]
	name, ok := dtypes[code]
	if !ok {
		return fmt.Errorf("%s: dtype %q is not supported (use uint8, bool, int8–int64, uint16–uint64, float32 or float64)", a.Name, descr)
	}
	if order == '>' && code[1] != '1' {
		return fmt.Errorf("%s: dtype %q is big-endian; save it little-endian (array.astype('<%s'))", a.Name, descr, code)
	}
	a.DType = name
	size, _ := strconv.Atoi(code[1:]) // one digit, from the table
	n := a.Size()
	need := int64(n) * int64(size)
	if limit > 0 && need > limit {
		return &infile.TooLargeError{Path: a.Name, Limit: limit, Size: need, What: fmt.Sprintf("the array (shape %v of %s)", a.Shape, name)}
	}
	if avail >= 0 && need > avail {
		return fmt.Errorf("%s: truncated data: shape %v of %s needs %d bytes, the file has %d after its header", a.Name, a.Shape, name, need, avail)
	}
	raw := make([]byte, need)
	if got, err := io.ReadFull(r, raw); err != nil {
		if isStop(err) {
			return err
		}
		return fmt.Errorf("%s: truncated data: shape %v of %s needs %d bytes, found %d", a.Name, a.Shape, name, len(raw), got)
	}
	return a.decode(code, raw)
}

// decode converts little-endian raw elements of type code into a's slice.
func (a *Array) decode(code string, raw []byte) error {
	le := binary.LittleEndian
	n := a.Size()
	switch code {
	case "u1", "b1":
		a.U8 = raw
	case "i1":
		a.I32 = make([]int32, n)
		for i, b := range raw {
			a.I32[i] = int32(int8(b))
		}
	case "i2", "u2", "i4":
		a.I32 = make([]int32, n)
		for i := range a.I32 {
			switch code {
			case "i2":
				a.I32[i] = int32(int16(le.Uint16(raw[2*i:])))
			case "u2":
				a.I32[i] = int32(le.Uint16(raw[2*i:]))
			default:
				a.I32[i] = int32(le.Uint32(raw[4*i:]))
			}
		}
	case "u4", "i8", "u8":
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			switch code {
			case "u4":
				a.I64[i] = int64(le.Uint32(raw[4*i:]))
			default:
				v := le.Uint64(raw[8*i:])
				if code == "u8" && v > math.MaxInt64 {
					return fmt.Errorf("%s: element %d = %d does not fit in an int64", a.Name, i, v)
				}
				a.I64[i] = int64(v)
			}
		}
	case "f4":
		a.F32 = make([]float32, n)
		if hostLittleEndian {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(a.F32))), 4*n), raw)
			break
		}
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case "f8":
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	}
	return nil
}

// hostLittleEndian is true on the machines exp runs on (amd64, arm64).
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
