package cpu

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// readIndex reads an integer index from a flat slice of any integer dtype.
func readIndex(flat any, i int) int {
	switch f := flat.(type) {
	case []int32:
		return int(f[i])
	case []int64:
		return int(f[i])
	case []uint8:
		return int(f[i])
	case []int8:
		return int(f[i])
	case []int16:
		return int(f[i])
	case []uint16:
		return int(f[i])
	case []uint32:
		return int(f[i])
	case []uint64:
		return int(f[i])
	}
	panic(fmt.Sprintf("index dtype %T not supported", flat))
}

// indexIterPlan iterates over the "batch" positions of an indices tensor (all axes but indexVectorAxis).
type indexIterPlan struct {
	dims        []int // Batch dimensions.
	idxStrides  []int // Stride in the indices tensor per batch axis.
	dataStrides []int // Stride in the data tensor (gather output or scatter updates) per batch axis.
	vecStride   int   // Stride of the index vector axis in the indices tensor.
	vecLen      int
}

// newIndexIterPlan maps each axis of the indices (but indexVectorAxis) to
// the data tensor's axes that are not window axes, in order: the batch axes
// shared by gather (data: its output; window: offset axes) and scatter
// (data: the updates; window: update window axes).
func newIndexIterPlan(indexDims []int, indexVectorAxis int, dataDims, windowAxes []int, vecLen int) indexIterPlan {
	var p indexIterPlan
	dataStrides := rowMajorStrides(dataDims)
	isWindow := make([]bool, len(dataDims))
	for _, a := range windowAxes {
		isWindow[a] = true
	}
	idxStrides := rowMajorStrides(indexDims)
	dataAxis := 0
	for axis, dim := range indexDims {
		if axis == indexVectorAxis {
			continue
		}
		for isWindow[dataAxis] {
			dataAxis++
		}
		p.dims = append(p.dims, dim)
		p.idxStrides = append(p.idxStrides, idxStrides[axis])
		p.dataStrides = append(p.dataStrides, dataStrides[dataAxis])
		dataAxis++
	}
	p.vecLen = vecLen
	if indexVectorAxis < len(indexDims) {
		p.vecStride = idxStrides[indexVectorAxis]
	}
	return p
}

// windowPlan iterates over a window (slice) copied between two tensors.
type windowPlan struct {
	dims       []int
	srcStrides []int
	dstStrides []int
}

type gatherData struct {
	batch         indexIterPlan
	window        windowPlan
	startIndexMap []int
	operandDims   []int
	operandStride []int
	sliceSizes    []int
}

// Gather implements backends.Builder.
func (b *Builder) Gather(operandOp, startIndicesOp backends.Op, indexVectorAxis int,
	offsetOutputAxes, collapsedSliceAxes, startIndexMap, sliceSizes []int, indicesAreSorted bool) (backends.Op, error) {
	opType := backends.OpTypeGather
	nodes, err := b.checkOps(opType.String(), operandOp, startIndicesOp)
	if err != nil {
		return nil, err
	}
	operand, indices := nodes[0], nodes[1]
	shape, err := shapeinference.Gather(operand.shape, indices.shape, indexVectorAxis,
		offsetOutputAxes, collapsedSliceAxes, startIndexMap, sliceSizes, indicesAreSorted)
	if err != nil {
		return nil, err
	}
	if operand.shape.DType.Size() > 8 || !indices.shape.DType.IsInt() {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.Gather(p[0], p[1], indexVectorAxis, offsetOutputAxes, collapsedSliceAxes, startIndexMap, sliceSizes, indicesAreSorted))
		})
	}
	d := &gatherData{
		startIndexMap: slices.Clone(startIndexMap),
		operandDims:   slices.Clone(operand.shape.Dimensions),
		operandStride: rowMajorStrides(operand.shape.Dimensions),
		sliceSizes:    slices.Clone(sliceSizes),
	}
	outStrides := rowMajorStrides(shape.Dimensions)
	// Batch axes: output axes not in offsetOutputAxes, in order, matching the indices axes but indexVectorAxis.
	d.batch = newIndexIterPlan(indices.shape.Dimensions, indexVectorAxis, shape.Dimensions, offsetOutputAxes, len(startIndexMap))
	// Window: operand axes not collapsed, in order, map to offsetOutputAxes in order.
	isCollapsed := make([]bool, operand.shape.Rank())
	for _, a := range collapsedSliceAxes {
		isCollapsed[a] = true
	}
	k := 0
	for axis := range operand.shape.Rank() {
		if isCollapsed[axis] {
			continue
		}
		d.window.dims = append(d.window.dims, sliceSizes[axis])
		d.window.srcStrides = append(d.window.srcStrides, d.operandStride[axis])
		d.window.dstStrides = append(d.window.dstStrides, outStrides[offsetOutputAxes[k]])
		k++
	}
	n := b.newNode(opType, shape, execGather, operand, indices)
	n.data = d
	return n, nil
}

func execGather(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*gatherData)
	out := st.newBuf(n.shape)
	switch n.shape.DType.Size() {
	case 1:
		gather[uint8](d, ins[0].flat, ins[1].flat, out.flat)
	case 2:
		gather[uint16](d, ins[0].flat, ins[1].flat, out.flat)
	case 4:
		gather[uint32](d, ins[0].flat, ins[1].flat, out.flat)
	case 8:
		gather[uint64](d, ins[0].flat, ins[1].flat, out.flat)
	}
	return out, nil
}

// copyWindow copies a window from src (starting at srcOff) to dst (starting at dstOff).
func copyWindow[W any](w *windowPlan, src []W, srcOff int, dst []W, dstOff int) {
	r := len(w.dims)
	if r == 0 {
		dst[dstOff] = src[srcOff]
		return
	}
	var idx [maxBroadcastRank]int
	inner := w.dims[r-1]
	sIn, dIn := w.srcStrides[r-1], w.dstStrides[r-1]
	for {
		if sIn == 1 && dIn == 1 {
			copy(dst[dstOff:dstOff+inner], src[srcOff:srcOff+inner])
		} else {
			s, t := srcOff, dstOff
			for range inner {
				dst[t] = src[s]
				s += sIn
				t += dIn
			}
		}
		ax := r - 2
		for ; ax >= 0; ax-- {
			idx[ax]++
			srcOff += w.srcStrides[ax]
			dstOff += w.dstStrides[ax]
			if idx[ax] < w.dims[ax] {
				break
			}
			idx[ax] = 0
			srcOff -= w.srcStrides[ax] * w.dims[ax]
			dstOff -= w.dstStrides[ax] * w.dims[ax]
		}
		if ax < 0 {
			return
		}
	}
}

func gather[W any](d *gatherData, operandAny, indicesAny, outAny any) {
	operand, out := words[W](operandAny), words[W](outAny)
	if len(out) == 0 {
		return
	}
	bp := &d.batch
	r := len(bp.dims)
	var idx [maxBroadcastRank]int
	idxOff, outOff := 0, 0
	for {
		opOff := 0
		for k, axis := range d.startIndexMap {
			start := readIndex(indicesAny, idxOff+k*bp.vecStride)
			start = max(0, min(start, d.operandDims[axis]-d.sliceSizes[axis]))
			opOff += start * d.operandStride[axis]
		}
		copyWindow(&d.window, operand, opOff, out, outOff)
		ax := r - 1
		for ; ax >= 0; ax-- {
			idx[ax]++
			idxOff += bp.idxStrides[ax]
			outOff += bp.dataStrides[ax]
			if idx[ax] < bp.dims[ax] {
				break
			}
			idx[ax] = 0
			idxOff -= bp.idxStrides[ax] * bp.dims[ax]
			outOff -= bp.dataStrides[ax] * bp.dims[ax]
		}
		if ax < 0 {
			return
		}
	}
}

type scatterData struct {
	kind           int
	batch          indexIterPlan
	window         windowPlan // src: updates, dst: operand.
	scatterToAxes  []int
	operandDims    []int
	operandStrides []int
	windowSizes    []int // Per operand axis, the window size (1 for inserted axes).
	kernel         func(d *scatterData, out, indices, updates any)
}

var scatterFallbacks = map[backends.OpType]func(backends.Builder, backends.Op, backends.Op, backends.Op, int, []int, []int, []int, bool, bool) (backends.Op, error){
	backends.OpTypeScatterSum: backends.Builder.ScatterSum,
	backends.OpTypeScatterMax: backends.Builder.ScatterMax,
	backends.OpTypeScatterMin: backends.Builder.ScatterMin,
}

func (b *Builder) scatterOp(opType backends.OpType, operandOp, indicesOp, updatesOp backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	nodes, err := b.checkOps(opType.String(), operandOp, indicesOp, updatesOp)
	if err != nil {
		return nil, err
	}
	operand, indices, updates := nodes[0], nodes[1], nodes[2]
	shape, err := shapeinference.ScatterOp(operand.shape, indices.shape, updates.shape, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes)
	if err != nil {
		return nil, err
	}
	kind := redSum
	switch opType {
	case backends.OpTypeScatterMax:
		kind = redMax
	case backends.OpTypeScatterMin:
		kind = redMin
	}
	kernel := scatterKernelFor(operand.shape.DType)
	if kernel == nil || !indices.shape.DType.IsInt() {
		fb := scatterFallbacks[opType]
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(fb(sb, p[0], p[1], p[2], indexVectorAxis, updateWindowAxes, insertedWindowAxes,
				scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices))
		})
	}
	d := &scatterData{
		kind:           kind,
		kernel:         kernel,
		scatterToAxes:  slices.Clone(scatterAxesToOperandAxes),
		operandDims:    slices.Clone(operand.shape.Dimensions),
		operandStrides: rowMajorStrides(operand.shape.Dimensions),
	}
	updStrides := rowMajorStrides(updates.shape.Dimensions)
	d.batch = newIndexIterPlan(indices.shape.Dimensions, indexVectorAxis, updates.shape.Dimensions, updateWindowAxes, len(scatterAxesToOperandAxes))
	isInserted := make([]bool, operand.shape.Rank())
	for _, a := range insertedWindowAxes {
		isInserted[a] = true
	}
	d.windowSizes = make([]int, operand.shape.Rank())
	k := 0
	for axis := range operand.shape.Rank() {
		d.windowSizes[axis] = 1
		if isInserted[axis] {
			continue
		}
		updWinAxis := updateWindowAxes[k]
		k++
		size := updates.shape.Dimensions[updWinAxis]
		d.windowSizes[axis] = size
		d.window.dims = append(d.window.dims, size)
		d.window.srcStrides = append(d.window.srcStrides, updStrides[updWinAxis])
		d.window.dstStrides = append(d.window.dstStrides, d.operandStrides[axis])
	}
	n := b.newNode(opType, shape, execScatter, operand, indices, updates)
	n.data = d
	return n, nil
}

// ScatterSum implements backends.Builder.
func (b *Builder) ScatterSum(operand, indices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatterOp(backends.OpTypeScatterSum, operand, indices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
}

// ScatterMax implements backends.Builder.
func (b *Builder) ScatterMax(operand, indices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatterOp(backends.OpTypeScatterMax, operand, indices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
}

// ScatterMin implements backends.Builder.
func (b *Builder) ScatterMin(operand, indices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatterOp(backends.OpTypeScatterMin, operand, indices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes, indicesAreSorted, uniqueIndices)
}

func scatterKernelFor(dtype dtypes.DType) func(d *scatterData, out, indices, updates any) {
	switch dtype {
	case dtypes.Float32:
		return scatterGeneric[float32]
	case dtypes.Float64:
		return scatterGeneric[float64]
	case dtypes.Int32:
		return scatterGeneric[int32]
	case dtypes.Int64:
		return scatterGeneric[int64]
	case dtypes.Int8:
		return scatterGeneric[int8]
	case dtypes.Int16:
		return scatterGeneric[int16]
	case dtypes.Uint8:
		return scatterGeneric[uint8]
	case dtypes.Uint16:
		return scatterGeneric[uint16]
	case dtypes.Uint32:
		return scatterGeneric[uint32]
	case dtypes.Uint64:
		return scatterGeneric[uint64]
	}
	return nil
}

// scatterGeneric combines the updates into out (a copy of the operand). Windows that fall out of
// bounds of the operand are skipped, as in XLA.
func scatterGeneric[T numeric](d *scatterData, outAny, indicesAny, updatesAny any) {
	out, updates := outAny.([]T), updatesAny.([]T)
	if len(updates) == 0 {
		return
	}
	bp := &d.batch
	r := len(bp.dims)
	w := &d.window
	wr := len(w.dims)
	var idx, widx [maxBroadcastRank]int
	idxOff, updOff := 0, 0
	for {
		opOff := 0
		inBounds := true
		for k, axis := range d.scatterToAxes {
			start := readIndex(indicesAny, idxOff+k*bp.vecStride)
			if start < 0 || start+d.windowSizes[axis] > d.operandDims[axis] {
				inBounds = false
				break
			}
			opOff += start * d.operandStrides[axis]
		}
		if inBounds {
			// Iterate over the window.
			s, t := updOff, opOff
			for {
				u := updates[s]
				switch d.kind {
				case redSum:
					out[t] += u
				case redMax:
					out[t] = max(out[t], u)
				case redMin:
					out[t] = min(out[t], u)
				}
				ax := wr - 1
				for ; ax >= 0; ax-- {
					widx[ax]++
					s += w.srcStrides[ax]
					t += w.dstStrides[ax]
					if widx[ax] < w.dims[ax] {
						break
					}
					widx[ax] = 0
					s -= w.srcStrides[ax] * w.dims[ax]
					t -= w.dstStrides[ax] * w.dims[ax]
				}
				if ax < 0 {
					break
				}
			}
		}
		ax := r - 1
		for ; ax >= 0; ax-- {
			idx[ax]++
			idxOff += bp.idxStrides[ax]
			updOff += bp.dataStrides[ax]
			if idx[ax] < bp.dims[ax] {
				break
			}
			idx[ax] = 0
			idxOff -= bp.idxStrides[ax] * bp.dims[ax]
			updOff -= bp.dataStrides[ax] * bp.dims[ax]
		}
		if ax < 0 {
			return
		}
	}
}

func execScatter(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*scatterData)
	var out *Buffer
	if st.canReuse(0) {
		out = ins[0]
		out.shape = n.shape
	} else {
		out = st.newBuf(n.shape)
		copyFlat(out.flat, ins[0].flat)
	}
	d.kernel(d, out.flat, ins[1].flat, ins[2].flat)
	return out, nil
}
