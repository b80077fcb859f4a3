package cpu

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// RNGBitGenerator implements backends.Builder.
//
// It produces exactly the same bits and new state as simplego: a PCG generator (math/rand/v2) seeded
// with state[0] and state[1], whose 64-bit outputs fill the values' bytes in little-endian order, and
// whose final internal state is stored back the way simplego does.
func (b *Builder) RNGBitGenerator(stateOp backends.Op, shape shapes.Shape) (newState, values backends.Op, err error) {
	opType := backends.OpTypeRNGBitGenerator
	nodes, err := b.checkOps(opType.String(), stateOp)
	if err != nil {
		return nil, nil, err
	}
	state := nodes[0]
	if !state.shape.Equal(backends.RNGStateShape) {
		return nil, nil, fmt.Errorf("RNGBitGenerator: state must be shaped %s, got %s", backends.RNGStateShape, state.shape)
	}
	if !shape.Ok() || shape.DType.Size() > 8 || !supportedDType(shape.DType) {
		return nil, nil, fmt.Errorf("RNGBitGenerator: invalid shape %s", shape)
	}
	n := b.newMultiNode(opType, []shapes.Shape{state.shape.Clone(), shape.Clone()}, execRNGBitGenerator, state)
	return n.multiOutputs[0], n.multiOutputs[1], nil
}

func execRNGBitGenerator(st *execState, n *opNode, ins []*Buffer, outs []*Buffer) error {
	stateIn := ins[0].flat.([]uint64)
	values := st.newBuf(n.multiShapes[1])
	var rng rand.PCG
	rng.Seed(stateIn[0], stateIn[1])
	var bytes []byte
	if size := values.shape.Size() * values.shape.DType.Size(); size > 0 {
		bytes = unsafe.Slice((*byte)(flatPointer(values.flat)), size)
	}
	// Full 8-byte words, then the remaining bytes.
	full := len(bytes) / 8
	for i := range full {
		binary.LittleEndian.PutUint64(bytes[i*8:], rng.Uint64())
	}
	if rem := len(bytes) - full*8; rem > 0 {
		bits := rng.Uint64()
		for i := full * 8; i < len(bytes); i++ {
			bytes[i] = byte(bits)
			bits >>= 8
		}
	}

	var stateOut *Buffer
	if st.canReuse(0) {
		stateOut = ins[0]
	} else {
		stateOut = st.newBuf(n.multiShapes[0])
		copy(stateOut.flat.([]uint64), stateIn)
	}
	var buf [20]byte
	enc, _ := rng.AppendBinary(buf[:0])
	s := stateOut.flat.([]uint64)
	// simplego decodes the big-endian encoding of PCG's state as little-endian: we do the same.
	s[0] = binary.LittleEndian.Uint64(enc[4:12])
	s[1] = binary.LittleEndian.Uint64(enc[12:20])
	outs[0], outs[1] = stateOut, values
	return nil
}
