package cpu

import (
	"reflect"
	"sync"

	"fmt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Buffer is the cpu backend's storage of a tensor: a shape and a flat Go slice ([]T for the shape's DType)
// of exactly shape.Size() elements.
type Buffer struct {
	shape shapes.Shape
	flat  any
	valid bool
}

// Shape returns the buffer's shape.
func (b *Buffer) Shape() shapes.Shape { return b.shape }

type poolKey struct {
	dtype dtypes.DType
	size  int
}

// maxPooledPerKey limits how many free buffers of one dtype/size are kept for reuse.
const maxPooledPerKey = 256

// maxPooledBytes limits the memory held by the free buffers: beyond it, released buffers are left to the GC.
const maxPooledBytes = 1 << 30

// bufferPool is a free list of buffers keyed by dtype and number of elements.
//
// Unlike a sync.Pool it is never emptied by the garbage collector, so a training loop that
// repeatedly executes the same graphs reaches a steady state with no new allocations.
type bufferPool struct {
	mu    sync.Mutex
	free  map[poolKey][]*Buffer
	bytes int // Memory held by the free buffers.
}

func newBufferPool() *bufferPool {
	return &bufferPool{free: make(map[poolKey][]*Buffer)}
}

// get returns a buffer with the given shape: its contents are arbitrary (not zeroed).
func (p *bufferPool) get(shape shapes.Shape) *Buffer {
	key := poolKey{shape.DType, shape.Size()}
	p.mu.Lock()
	list := p.free[key]
	if n := len(list); n > 0 {
		buf := list[n-1]
		list[n-1] = nil
		p.free[key] = list[:n-1]
		p.bytes -= key.size * key.dtype.Size()
		p.mu.Unlock()
		buf.shape = shape
		buf.valid = true
		return buf
	}
	p.mu.Unlock()
	return &Buffer{shape: shape, flat: makeFlat(shape.DType, key.size), valid: true}
}

// getFlat returns a buffer with dtype and size elements, for temporary use: its shape is only
// guaranteed to have the right dtype and size.
func (p *bufferPool) getFlat(dtype dtypes.DType, size int) *Buffer {
	key := poolKey{dtype, size}
	p.mu.Lock()
	list := p.free[key]
	if n := len(list); n > 0 {
		buf := list[n-1]
		list[n-1] = nil
		p.free[key] = list[:n-1]
		p.bytes -= key.size * key.dtype.Size()
		p.mu.Unlock()
		buf.valid = true
		return buf
	}
	p.mu.Unlock()
	return &Buffer{shape: shapes.Make(dtype, size), flat: makeFlat(dtype, size), valid: true}
}

// put returns a buffer to the free list. The buffer must not be used afterward.
func (p *bufferPool) put(buf *Buffer) {
	if buf == nil || !buf.valid || buf.flat == nil {
		return
	}
	buf.valid = false
	key := poolKey{buf.shape.DType, buf.shape.Size()}
	bytes := key.size * key.dtype.Size()
	p.mu.Lock()
	list := p.free[key]
	if len(list) < maxPooledPerKey && p.bytes+bytes <= maxPooledBytes {
		p.free[key] = append(list, buf)
		p.bytes += bytes
	}
	p.mu.Unlock()
}

func (p *bufferPool) clear() {
	p.mu.Lock()
	p.free = make(map[poolKey][]*Buffer)
	p.bytes = 0
	p.mu.Unlock()
}

// makeFlat allocates a new flat slice for the dtype.
func makeFlat(dtype dtypes.DType, size int) any {
	switch dtype {
	case dtypes.Float32:
		return make([]float32, size)
	case dtypes.Float64:
		return make([]float64, size)
	case dtypes.Int32:
		return make([]int32, size)
	case dtypes.Int64:
		return make([]int64, size)
	case dtypes.Bool:
		return make([]bool, size)
	case dtypes.Uint8:
		return make([]uint8, size)
	case dtypes.Uint32:
		return make([]uint32, size)
	case dtypes.Uint64:
		return make([]uint64, size)
	}
	return reflect.MakeSlice(reflect.SliceOf(dtype.GoType()), size, size).Interface()
}

// copyFlat copies src into dst, both slices of the same type.
func copyFlat(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []int32:
		copy(d, src.([]int32))
	case []int64:
		copy(d, src.([]int64))
	case []bool:
		copy(d, src.([]bool))
	case []uint8:
		copy(d, src.([]uint8))
	case []uint32:
		copy(d, src.([]uint32))
	case []uint64:
		copy(d, src.([]uint64))
	default:
		reflect.Copy(reflect.ValueOf(dst), reflect.ValueOf(src))
	}
}

// cloneBuffer returns a new pooled buffer with a copy of buf.
func (b *Backend) cloneBuffer(buf *Buffer) *Buffer {
	out := b.pool.get(buf.shape)
	copyFlat(out.flat, buf.flat)
	return out
}

// Compile-time check.
var _ backends.DataInterface = (*Backend)(nil)

func (b *Backend) toBuffer(buffer backends.Buffer) (*Buffer, error) {
	buf, ok := buffer.(*Buffer)
	if !ok || buf == nil {
		return nil, fmt.Errorf("backend %q: buffer is not a cpu backend buffer (got %T)", BackendName, buffer)
	}
	return buf, nil
}

// BufferFinalize implements backends.DataInterface: the buffer storage is returned to the
// backend's free list for reuse.
func (b *Backend) BufferFinalize(buffer backends.Buffer) error {
	buf, err := b.toBuffer(buffer)
	if err != nil {
		return err
	}
	if b.IsFinalized() {
		buf.flat = nil
		return nil
	}
	if !buf.valid || buf.flat == nil {
		return fmt.Errorf("BufferFinalize(%p): buffer already finalized", buf)
	}
	b.pool.put(buf)
	return nil
}

// BufferShape implements backends.DataInterface.
func (b *Backend) BufferShape(buffer backends.Buffer) (shapes.Shape, error) {
	buf, err := b.toBuffer(buffer)
	if err != nil {
		return shapes.Invalid(), err
	}
	return buf.shape, nil
}

// BufferDeviceNum implements backends.DataInterface: there is only device 0.
func (b *Backend) BufferDeviceNum(buffer backends.Buffer) (backends.DeviceNum, error) {
	if _, err := b.toBuffer(buffer); err != nil {
		return 0, err
	}
	return 0, nil
}

// BufferToFlatData implements backends.DataInterface.
func (b *Backend) BufferToFlatData(buffer backends.Buffer, flat any) error {
	buf, err := b.toBuffer(buffer)
	if err != nil {
		return err
	}
	if !buf.valid {
		return fmt.Errorf("BufferToFlatData: buffer was finalized")
	}
	if reflect.TypeOf(flat) != reflect.TypeOf(buf.flat) {
		return fmt.Errorf("BufferToFlatData: flat is %T, buffer holds %s", flat, buf.shape)
	}
	if reflect.ValueOf(flat).Len() != buf.shape.Size() {
		return fmt.Errorf("BufferToFlatData: flat has %d elements, buffer %s has %d",
			reflect.ValueOf(flat).Len(), buf.shape, buf.shape.Size())
	}
	copyFlat(flat, buf.flat)
	return nil
}

// BufferFromFlatData implements backends.DataInterface.
func (b *Backend) BufferFromFlatData(deviceNum backends.DeviceNum, flat any, shape shapes.Shape) (backends.Buffer, error) {
	if b.IsFinalized() {
		return nil, fmt.Errorf("backend %q already finalized", BackendName)
	}
	if deviceNum != 0 {
		return nil, fmt.Errorf("backend %q only has device 0, got %d", BackendName, deviceNum)
	}
	if flat == nil || reflect.TypeOf(flat).Kind() != reflect.Slice ||
		dtypes.FromGoType(reflect.TypeOf(flat).Elem()) != shape.DType {
		return nil, fmt.Errorf("BufferFromFlatData: flat (%T) does not match shape %s", flat, shape)
	}
	if reflect.ValueOf(flat).Len() != shape.Size() {
		return nil, fmt.Errorf("BufferFromFlatData: flat has %d elements, shape %s needs %d",
			reflect.ValueOf(flat).Len(), shape, shape.Size())
	}
	buf := b.pool.get(shape.Clone())
	copyFlat(buf.flat, flat)
	return buf, nil
}

// HasSharedBuffers implements backends.DataInterface: it returns true, buffers live in Go memory.
func (b *Backend) HasSharedBuffers() bool { return true }

// NewSharedBuffer implements backends.DataInterface.
func (b *Backend) NewSharedBuffer(deviceNum backends.DeviceNum, shape shapes.Shape) (buffer backends.Buffer, flat any, err error) {
	if b.IsFinalized() {
		return nil, nil, fmt.Errorf("backend %q already finalized", BackendName)
	}
	if deviceNum != 0 {
		return nil, nil, fmt.Errorf("backend %q only has device 0, got %d", BackendName, deviceNum)
	}
	buf := b.pool.get(shape.Clone())
	return buf, buf.flat, nil
}

// BufferData implements backends.DataInterface.
func (b *Backend) BufferData(buffer backends.Buffer) (flat any, err error) {
	buf, err := b.toBuffer(buffer)
	if err != nil {
		return nil, err
	}
	if !buf.valid {
		return nil, fmt.Errorf("BufferData: buffer was finalized")
	}
	return buf.flat, nil
}

// BufferCopyToDevice implements backends.DataInterface: it always fails, there is a single device.
func (b *Backend) BufferCopyToDevice(source backends.Buffer, deviceNum backends.DeviceNum) (backends.Buffer, error) {
	return nil, fmt.Errorf("backend %q: multi-device not supported", BackendName)
}
