package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unsafe"
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

// ReadFile reads the .npy file at path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only: a close error loses nothing
	return Decode(path, bufio.NewReaderSize(f, 1<<16))
}

// header is the parsed header dictionary of a .npy file.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

var (
	descrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	fortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// Decode reads one array in .npy format from r; name is used in errors.
func Decode(name string, r io.Reader) (*Array, error) {
	h, err := readHeader(name, r)
	if err != nil {
		return nil, err
	}
	if h.fortran {
		return nil, fmt.Errorf("%s: the array is in Fortran order; save it in C order (numpy.ascontiguousarray)", name)
	}
	a := &Array{Name: name, Shape: h.shape}
	if err := a.readData(h.descr, r); err != nil {
		return nil, err
	}
	return a, nil
}

// readHeader reads the magic string, version and header dictionary.
func readHeader(name string, r io.Reader) (*header, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a NumPy .npy file (no \\x93NUMPY magic string)", name)
	}
	var n int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated header", name)
		}
		n = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%s: truncated header", name)
		}
		n = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("%s: .npy format version %d.%d is not supported (1 to 3 are)", name, pre[6], pre[7])
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("%s: header of %d bytes is implausibly long", name, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("%s: truncated header", name)
	}
	return parseHeader(name, string(buf))
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
	return h, nil
}

// dtypes maps a descr (after the byte-order character) to the NumPy name.
var dtypes = map[string]string{
	"u1": "uint8", "b1": "bool", "i1": "int8", "i2": "int16", "u2": "uint16", "i4": "int32",
	"u4": "uint32", "i8": "int64", "u8": "uint64", "f4": "float32", "f8": "float64",
}

// readData reads the elements described by descr from r.
func (a *Array) readData(descr string, r io.Reader) error {
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
	n := a.Size()
	size, _ := strconv.Atoi(code[1:]) // one digit, from the table
	raw := make([]byte, n*size)
	if got, err := io.ReadFull(r, raw); err != nil {
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
