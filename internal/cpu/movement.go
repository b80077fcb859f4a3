package cpu

import (
	"reflect"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Data movement kernels (transpose, broadcast, slice, reverse, pad, concatenate) don't depend on
// the dtype, only on its size: they view the flat data as words of 1, 2, 4 or 8 bytes.

// flatPointer returns the pointer to the first element of a flat slice.
func flatPointer(flat any) unsafe.Pointer {
	switch f := flat.(type) {
	case []float32:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []float64:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []int32:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []int64:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []bool:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []uint8:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []uint32:
		return unsafe.Pointer(unsafe.SliceData(f))
	case []uint64:
		return unsafe.Pointer(unsafe.SliceData(f))
	}
	return reflect.ValueOf(flat).UnsafePointer()
}

func flatLen(flat any) int {
	switch f := flat.(type) {
	case []float32:
		return len(f)
	case []float64:
		return len(f)
	case []int32:
		return len(f)
	case []int64:
		return len(f)
	case []bool:
		return len(f)
	}
	return reflect.ValueOf(flat).Len()
}

// words reinterprets a flat slice as a slice of W (W must have the dtype's size).
func words[W any](flat any) []W {
	n := flatLen(flat)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*W)(flatPointer(flat)), n)
}

// stridedCopyPlan copies from a source, read with arbitrary (possibly zero or negative) strides,
// into a contiguous destination in row-major order of dims.
type stridedCopyPlan struct {
	offset  int
	dims    []int
	strides []int
}

// newStridedCopyPlan merges axes where possible: dims of 1 are dropped, and consecutive axes are
// merged if the source is contiguous across them (or broadcast over both).
func newStridedCopyPlan(offset int, dims, strides []int) *stridedCopyPlan {
	p := &stridedCopyPlan{offset: offset}
	for i, d := range dims {
		if d == 1 {
			continue
		}
		s := strides[i]
		if n := len(p.dims); n > 0 && p.strides[n-1] == s*d {
			p.dims[n-1] *= d
			p.strides[n-1] = s
			continue
		}
		p.dims = append(p.dims, d)
		p.strides = append(p.strides, s)
	}
	if len(p.dims) == 0 {
		p.dims = []int{1}
		p.strides = []int{0}
	}
	return p
}

func runStridedCopy(plan *stridedCopyPlan, src, dst any, dtype dtypes.DType) {
	switch dtype.Size() {
	case 1:
		stridedCopy(plan, words[uint8](src), words[uint8](dst))
	case 2:
		stridedCopy(plan, words[uint16](src), words[uint16](dst))
	case 4:
		stridedCopy(plan, words[uint32](src), words[uint32](dst))
	case 8:
		stridedCopy(plan, words[uint64](src), words[uint64](dst))
	default:
		panic("unsupported dtype size")
	}
}

const transposeTile = 16

func stridedCopy[W any](plan *stridedCopyPlan, src, dst []W) {
	if len(dst) == 0 {
		return
	}
	dims, strides := plan.dims, plan.strides
	r := len(dims)
	inner := dims[r-1]
	innerStride := strides[r-1]
	outer := len(dst) / inner

	// 2D-like transposes: the inner axis is strided while the previous axis is contiguous in the source:
	// copy in tiles, to keep both source and destination accesses local.
	if r >= 2 && innerStride != 1 && innerStride != 0 && strides[r-2] == 1 {
		rows := dims[r-2]
		blockSize := rows * inner
		numBlocks := len(dst) / blockSize
		var idx [maxBroadcastRank]int
		off := plan.offset
		for blk := range numBlocks {
			d := dst[blk*blockSize : (blk+1)*blockSize]
			for i0 := 0; i0 < rows; i0 += transposeTile {
				i1 := min(i0+transposeTile, rows)
				for j0 := 0; j0 < inner; j0 += transposeTile {
					j1 := min(j0+transposeTile, inner)
					for i := i0; i < i1; i++ {
						row := d[i*inner : (i+1)*inner]
						s := off + i + j0*innerStride
						for j := j0; j < j1; j++ {
							row[j] = src[s]
							s += innerStride
						}
					}
				}
			}
			for ax := r - 3; ax >= 0; ax-- {
				idx[ax]++
				off += strides[ax]
				if idx[ax] < dims[ax] {
					break
				}
				idx[ax] = 0
				off -= strides[ax] * dims[ax]
			}
		}
		return
	}

	var idx [maxBroadcastRank]int
	off := plan.offset
	for o := range outer {
		d := dst[o*inner : (o+1)*inner]
		switch innerStride {
		case 1:
			copy(d, src[off:off+inner])
		case 0:
			v := src[off]
			for i := range d {
				d[i] = v
			}
		default:
			s := off
			for i := range d {
				d[i] = src[s]
				s += innerStride
			}
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			off += strides[ax]
			if idx[ax] < dims[ax] {
				break
			}
			idx[ax] = 0
			off -= strides[ax] * dims[ax]
		}
	}
}

// rowMajorStrides returns the strides of a row-major tensor with the given dimensions.
func rowMajorStrides(dims []int) []int {
	strides := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		strides[i] = s
		s *= dims[i]
	}
	return strides
}
