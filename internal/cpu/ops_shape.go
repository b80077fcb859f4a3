package cpu

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Identity implements backends.Builder.
func (b *Builder) Identity(xOp backends.Op) (backends.Op, error) {
	nodes, err := b.checkOps("Identity", xOp)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeIdentity, nodes[0].shape, execReshape, nodes[0]), nil
}

// Reshape implements backends.Builder.
func (b *Builder) Reshape(xOp backends.Op, dims ...int) (backends.Op, error) {
	nodes, err := b.checkOps("Reshape", xOp)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.ReshapeOp(nodes[0].shape, dims)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeReshape, shape, execReshape, nodes[0]), nil
}

// execReshape implements Reshape and Identity: the input buffer is reused if possible, else copied.
func execReshape(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	if st.canReuse(0) {
		out := ins[0]
		out.shape = n.shape
		return out, nil
	}
	out := st.newBuf(n.shape)
	copyFlat(out.flat, ins[0].flat)
	return out, nil
}

func execStridedCopy(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	plan := n.data.(*stridedCopyPlan)
	out := st.newBuf(n.shape)
	runStridedCopy(plan, ins[0].flat, out.flat, n.shape.DType)
	return out, nil
}

// Transpose implements backends.Builder.
func (b *Builder) Transpose(xOp backends.Op, permutation ...int) (backends.Op, error) {
	nodes, err := b.checkOps("Transpose", xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	shape, err := shapeinference.TransposeOp(x.shape, permutation)
	if err != nil {
		return nil, err
	}
	inStrides := rowMajorStrides(x.shape.Dimensions)
	strides := make([]int, len(permutation))
	for i, axis := range permutation {
		strides[i] = inStrides[axis]
	}
	n := b.newNode(backends.OpTypeTranspose, shape, execStridedCopy, x)
	n.data = newStridedCopyPlan(0, shape.Dimensions, strides)
	return n, nil
}

// Broadcast implements backends.Builder.
func (b *Builder) Broadcast(xOp backends.Op, prefixDims ...int) (backends.Op, error) {
	nodes, err := b.checkOps("Broadcast", xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	shape, err := shapeinference.BroadcastOp(x.shape, prefixDims)
	if err != nil {
		return nil, err
	}
	strides := append(make([]int, len(prefixDims)), rowMajorStrides(x.shape.Dimensions)...)
	n := b.newNode(backends.OpTypeBroadcast, shape, execStridedCopy, x)
	n.data = newStridedCopyPlan(0, shape.Dimensions, strides)
	n.bcastStrides = strides
	return n, nil
}

// BroadcastInDim implements backends.Builder.
func (b *Builder) BroadcastInDim(xOp backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	nodes, err := b.checkOps("BroadcastInDim", xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	if err = shapeinference.BroadcastInDimOp(x.shape, outputShape, broadcastAxes); err != nil {
		return nil, err
	}
	inStrides := rowMajorStrides(x.shape.Dimensions)
	strides := make([]int, outputShape.Rank())
	for inAxis, outAxis := range broadcastAxes {
		if x.shape.Dimensions[inAxis] != 1 {
			strides[outAxis] = inStrides[inAxis]
		}
	}
	shape := outputShape.Clone()
	n := b.newNode(backends.OpTypeBroadcastInDim, shape, execStridedCopy, x)
	n.data = newStridedCopyPlan(0, shape.Dimensions, strides)
	n.bcastStrides = strides
	return n, nil
}

// Slice implements backends.Builder.
func (b *Builder) Slice(xOp backends.Op, starts, limits, strides []int) (backends.Op, error) {
	nodes, err := b.checkOps("Slice", xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	shape, err := shapeinference.SliceOp(x.shape, starts, limits, strides)
	if err != nil {
		return nil, err
	}
	inStrides := rowMajorStrides(x.shape.Dimensions)
	srcStrides := make([]int, x.shape.Rank())
	offset := 0
	for axis := range srcStrides {
		offset += starts[axis] * inStrides[axis]
		step := 1
		if len(strides) > 0 && strides[axis] > 0 {
			step = strides[axis]
		}
		srcStrides[axis] = inStrides[axis] * step
	}
	n := b.newNode(backends.OpTypeSlice, shape, execStridedCopy, x)
	n.data = newStridedCopyPlan(offset, shape.Dimensions, srcStrides)
	return n, nil
}

// Reverse implements backends.Builder.
func (b *Builder) Reverse(xOp backends.Op, axes ...int) (backends.Op, error) {
	nodes, err := b.checkOps("Reverse", xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	rank := x.shape.Rank()
	srcStrides := rowMajorStrides(x.shape.Dimensions)
	offset := 0
	seen := make([]bool, rank)
	for _, axis := range axes {
		if axis < 0 {
			axis += rank
		}
		if axis < 0 || axis >= rank {
			return nil, fmt.Errorf("Reverse: axis %d out of range for shape %s", axis, x.shape)
		}
		if seen[axis] {
			continue
		}
		seen[axis] = true
		offset += (x.shape.Dimensions[axis] - 1) * srcStrides[axis]
		srcStrides[axis] = -srcStrides[axis]
	}
	n := b.newNode(backends.OpTypeReverse, x.shape.Clone(), execStridedCopy, x)
	n.data = newStridedCopyPlan(offset, x.shape.Dimensions, srcStrides)
	return n, nil
}

// Iota implements backends.Builder.
func (b *Builder) Iota(shape shapes.Shape, iotaAxis int) (backends.Op, error) {
	if _, err := b.checkOps("Iota"); err != nil {
		return nil, err
	}
	if shape.Rank() == 0 {
		return nil, fmt.Errorf("Iota: shape must have at least one dimension")
	}
	if iotaAxis < 0 || iotaAxis >= shape.Rank() {
		return nil, fmt.Errorf("Iota: iotaAxis (%d) must be in the range [0,%d)", iotaAxis, shape.Rank())
	}
	fill := iotaKernelFor(shape.DType)
	if fill == nil {
		return b.fallback1(backends.OpTypeIota, nil, func(sb backends.Builder, _ []backends.Op) ([]backends.Op, error) {
			return one(sb.Iota(shape, iotaAxis))
		})
	}
	n := b.newNode(backends.OpTypeIota, shape.Clone(), execIota)
	batch, repeats := 1, 1
	for axis, dim := range shape.Dimensions {
		if axis < iotaAxis {
			batch *= dim
		} else if axis > iotaAxis {
			repeats *= dim
		}
	}
	n.data = &iotaData{fill: fill, batch: batch, size: shape.Dimensions[iotaAxis], repeats: repeats}
	return n, nil
}

type iotaData struct {
	fill                 func(out any, batch, size, repeats int)
	batch, size, repeats int
}

func iotaKernelFor(dtype dtypes.DType) func(out any, batch, size, repeats int) {
	switch dtype {
	case dtypes.Float32:
		return iotaGeneric[float32]
	case dtypes.Float64:
		return iotaGeneric[float64]
	case dtypes.Int32:
		return iotaGeneric[int32]
	case dtypes.Int64:
		return iotaGeneric[int64]
	case dtypes.Int8:
		return iotaGeneric[int8]
	case dtypes.Int16:
		return iotaGeneric[int16]
	case dtypes.Uint8:
		return iotaGeneric[uint8]
	case dtypes.Uint16:
		return iotaGeneric[uint16]
	case dtypes.Uint32:
		return iotaGeneric[uint32]
	case dtypes.Uint64:
		return iotaGeneric[uint64]
	}
	return nil
}

func iotaGeneric[T numeric](outAny any, batch, size, repeats int) {
	out := outAny.([]T)
	i := 0
	for range batch {
		var v T
		for range size {
			for range repeats {
				out[i] = v
				i++
			}
			v++
		}
	}
}

func execIota(st *execState, n *opNode, _ []*Buffer) (*Buffer, error) {
	d := n.data.(*iotaData)
	out := st.newBuf(n.shape)
	d.fill(out.flat, d.batch, d.size, d.repeats)
	return out, nil
}

// Concatenate implements backends.Builder.
func (b *Builder) Concatenate(axis int, operandOps ...backends.Op) (backends.Op, error) {
	if len(operandOps) == 0 {
		return nil, fmt.Errorf("Concatenate requires at least one input")
	}
	nodes, err := b.checkOps("Concatenate", operandOps...)
	if err != nil {
		return nil, err
	}
	inShapes := make([]shapes.Shape, len(nodes))
	for i, n := range nodes {
		inShapes[i] = n.shape
	}
	shape, err := shapeinference.ConcatenateOp(inShapes, axis)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	n := b.newNode(backends.OpTypeConcatenate, shape, execConcatenate, nodes...)
	outer, inner := 1, 1
	for i, d := range shape.Dimensions {
		if i < axis {
			outer *= d
		} else if i > axis {
			inner *= d
		}
	}
	n.data = &concatData{outer: outer, inner: inner, axis: axis}
	return n, nil
}

type concatData struct {
	outer, inner, axis int
}

func execConcatenate(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*concatData)
	out := st.newBuf(n.shape)
	switch n.shape.DType.Size() {
	case 1:
		concatenate[uint8](d, n, ins, out)
	case 2:
		concatenate[uint16](d, n, ins, out)
	case 4:
		concatenate[uint32](d, n, ins, out)
	case 8:
		concatenate[uint64](d, n, ins, out)
	default:
		return nil, fmt.Errorf("Concatenate: unsupported dtype %s", n.shape.DType)
	}
	return out, nil
}

func concatenate[W any](d *concatData, n *opNode, ins []*Buffer, out *Buffer) {
	dst := words[W](out.flat)
	outRow := n.shape.Dimensions[d.axis] * d.inner
	pos := 0
	for _, in := range ins {
		src := words[W](in.flat)
		block := in.shape.Dimensions[d.axis] * d.inner
		for o := range d.outer {
			copy(dst[o*outRow+pos:o*outRow+pos+block], src[o*block:(o+1)*block])
		}
		pos += block
	}
}

// Pad implements backends.Builder.
func (b *Builder) Pad(xOp, fillOp backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	nodes, err := b.checkOps("Pad", xOp, fillOp)
	if err != nil {
		return nil, err
	}
	x, fill := nodes[0], nodes[1]
	if !fill.shape.IsScalar() || fill.shape.DType != x.shape.DType {
		return nil, fmt.Errorf("Pad: fill value must be a scalar of dtype %s, got %s", x.shape.DType, fill.shape)
	}
	rank := x.shape.Rank()
	if len(axesConfig) > rank {
		return nil, fmt.Errorf("Pad: %d axes configured for operand of rank %d", len(axesConfig), rank)
	}
	cfg := make([]backends.PadAxis, rank)
	copy(cfg, axesConfig)
	dims := make([]int, rank)
	for axis, c := range cfg {
		if c.Interior < 0 {
			return nil, fmt.Errorf("Pad: negative interior padding %d on axis %d", c.Interior, axis)
		}
		dim := x.shape.Dimensions[axis]
		dims[axis] = c.Start + c.End + dim
		if dim > 0 {
			dims[axis] += (dim - 1) * c.Interior
		}
		if dims[axis] < 0 {
			return nil, fmt.Errorf("Pad: negative output dimension %d on axis %d", dims[axis], axis)
		}
	}
	shape := shapes.Make(x.shape.DType, dims...)
	n := b.newNode(backends.OpTypePad, shape, execPad, x, fill)
	outStrides := rowMajorStrides(dims)
	pd := &padData{inDims: slices.Clone(x.shape.Dimensions), outDims: dims, outStrides: outStrides, cfg: cfg}
	for _, c := range cfg {
		if c.Start < 0 || c.End < 0 {
			pd.negative = true
		}
	}
	n.data = pd
	return n, nil
}

type padData struct {
	inDims, outDims, outStrides []int
	cfg                         []backends.PadAxis
	negative                    bool
}

func execPad(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*padData)
	out := st.newBuf(n.shape)
	switch n.shape.DType.Size() {
	case 1:
		pad[uint8](d, ins[0].flat, ins[1].flat, out.flat)
	case 2:
		pad[uint16](d, ins[0].flat, ins[1].flat, out.flat)
	case 4:
		pad[uint32](d, ins[0].flat, ins[1].flat, out.flat)
	case 8:
		pad[uint64](d, ins[0].flat, ins[1].flat, out.flat)
	default:
		return nil, fmt.Errorf("Pad: unsupported dtype %s", n.shape.DType)
	}
	return out, nil
}

func pad[W any](d *padData, srcAny, fillAny, dstAny any) {
	dst := words[W](dstAny)
	if len(dst) == 0 {
		return
	}
	fill := words[W](fillAny)[0]
	for i := range dst {
		dst[i] = fill
	}
	src := words[W](srcAny)
	if len(src) == 0 {
		return
	}
	rank := len(d.inDims)
	if rank == 0 {
		dst[0] = src[0]
		return
	}
	// Iterate over the input in row-major order, computing each output position.
	var idxArr, posArr [maxBroadcastRank]int
	idx := idxArr[:rank]
	pos := posArr[:rank] // Output position per axis.
	for axis := range rank {
		pos[axis] = d.cfg[axis].Start
	}
	inner := d.inDims[rank-1]
	innerStep := d.cfg[rank-1].Interior + 1
	outer := len(src) / inner
	for o := range outer {
		base := 0
		valid := true
		for axis := 0; axis < rank-1; axis++ {
			if pos[axis] < 0 || pos[axis] >= d.outDims[axis] {
				valid = false
				break
			}
			base += pos[axis] * d.outStrides[axis]
		}
		if valid {
			row := src[o*inner : (o+1)*inner]
			p := pos[rank-1]
			if !d.negative {
				off := base + p
				for _, v := range row {
					dst[off] = v
					off += innerStep
				}
			} else {
				lastDim := d.outDims[rank-1]
				for _, v := range row {
					if p >= 0 && p < lastDim {
						dst[base+p] = v
					}
					p += innerStep
				}
			}
		}
		for axis := rank - 2; axis >= 0; axis-- {
			idx[axis]++
			pos[axis] += d.cfg[axis].Interior + 1
			if idx[axis] < d.inDims[axis] {
				break
			}
			idx[axis] = 0
			pos[axis] = d.cfg[axis].Start
		}
	}
}
