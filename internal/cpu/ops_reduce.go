package cpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

const (
	redSum = iota
	redProduct
	redMax
	redMin
)

// reducePlan describes a reduction after merging consecutive axes of the same kind (reduced or kept).
type reducePlan struct {
	dims    []int  // Merged input dimensions.
	reduced []bool // Whether each merged axis is reduced.
	// outStrides are the output strides of each merged axis (0 for reduced axes).
	outStrides []int
	kind       int
}

func newReducePlan(inShape shapes.Shape, axes []int, kind int) *reducePlan {
	isReduced := make([]bool, inShape.Rank())
	for _, a := range axes {
		isReduced[a] = true
	}
	p := &reducePlan{kind: kind}
	for axis, d := range inShape.Dimensions {
		if d == 1 {
			continue
		}
		if n := len(p.dims); n > 0 && p.reduced[n-1] == isReduced[axis] {
			p.dims[n-1] *= d
			continue
		}
		p.dims = append(p.dims, d)
		p.reduced = append(p.reduced, isReduced[axis])
	}
	if len(p.dims) == 0 {
		p.dims = []int{1}
		p.reduced = []bool{true}
	}
	p.outStrides = make([]int, len(p.dims))
	s := 1
	for i := len(p.dims) - 1; i >= 0; i-- {
		if !p.reduced[i] {
			p.outStrides[i] = s
			s *= p.dims[i]
		}
	}
	return p
}

func reduceInit[T numeric](kind int) T {
	switch kind {
	case redProduct:
		return 1
	case redMax:
		return lowest[T]()
	case redMin:
		return highest[T]()
	}
	return 0
}

func lowest[T numeric]() T {
	var v T
	switch p := any(&v).(type) {
	case *float32:
		*p = float32(math.Inf(-1))
	case *float64:
		*p = math.Inf(-1)
	case *int8:
		*p = math.MinInt8
	case *int16:
		*p = math.MinInt16
	case *int32:
		*p = math.MinInt32
	case *int64:
		*p = math.MinInt64
	}
	return v // Unsigned: 0.
}

func highest[T numeric]() T {
	var v T
	switch p := any(&v).(type) {
	case *float32:
		*p = float32(math.Inf(1))
	case *float64:
		*p = math.Inf(1)
	case *int8:
		*p = math.MaxInt8
	case *int16:
		*p = math.MaxInt16
	case *int32:
		*p = math.MaxInt32
	case *int64:
		*p = math.MaxInt64
	case *uint8:
		*p = math.MaxUint8
	case *uint16:
		*p = math.MaxUint16
	case *uint32:
		*p = math.MaxUint32
	case *uint64:
		*p = math.MaxUint64
	}
	return v
}

// reduceSegment reduces a contiguous segment into acc.
func reduceSegment[T numeric](kind int, acc T, seg []T) T {
	switch kind {
	case redSum:
		for _, v := range seg {
			acc += v
		}
	case redProduct:
		for _, v := range seg {
			acc *= v
		}
	case redMax:
		for _, v := range seg {
			acc = max(acc, v)
		}
	case redMin:
		for _, v := range seg {
			acc = min(acc, v)
		}
	}
	return acc
}

// combineSegment combines seg into dst elementwise.
func combineSegment[T numeric](kind int, dst, seg []T) {
	seg = seg[:len(dst)]
	switch kind {
	case redSum:
		for i, v := range seg {
			dst[i] += v
		}
	case redProduct:
		for i, v := range seg {
			dst[i] *= v
		}
	case redMax:
		for i, v := range seg {
			dst[i] = max(dst[i], v)
		}
	case redMin:
		for i, v := range seg {
			dst[i] = min(dst[i], v)
		}
	}
}

// reduceGeneric reduces the input in row-major order: each output element accumulates its inputs
// sequentially, in the same order as simplego.
func reduceGeneric[T numeric](p *reducePlan, inAny, outAny any) {
	in, out := inAny.([]T), outAny.([]T)
	init := reduceInit[T](p.kind)
	for i := range out {
		out[i] = init
	}
	if len(in) == 0 {
		return
	}
	r := len(p.dims)
	inner := p.dims[r-1]
	innerReduced := p.reduced[r-1]
	outer := len(in) / inner
	if r == 2 && !innerReduced {
		// [rows, inner] reduced over rows: combine each row into the output.
		for o := range outer {
			combineSegment(p.kind, out, in[o*inner:(o+1)*inner])
		}
		return
	}
	var idx [maxBroadcastRank]int
	oOff := 0
	for o := range outer {
		seg := in[o*inner : (o+1)*inner]
		if innerReduced {
			out[oOff] = reduceSegment(p.kind, out[oOff], seg)
		} else {
			combineSegment(p.kind, out[oOff:oOff+inner], seg)
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			oOff += p.outStrides[ax]
			if idx[ax] < p.dims[ax] {
				break
			}
			idx[ax] = 0
			oOff -= p.outStrides[ax] * p.dims[ax]
		}
	}
}

type reduceData struct {
	plan   *reducePlan
	kernel func(p *reducePlan, in, out any)
	// colSum, if set, is a vectorized float32 sum over the rows of a [rows, p] input (same order of
	// operations as kernel).
	colSum func(in, out []float32)
}

func reduceKernelFor(dtype dtypes.DType) func(p *reducePlan, in, out any) {
	switch dtype {
	case dtypes.Float32:
		return reduceGeneric[float32]
	case dtypes.Float64:
		return reduceGeneric[float64]
	case dtypes.Int32:
		return reduceGeneric[int32]
	case dtypes.Int64:
		return reduceGeneric[int64]
	case dtypes.Int8:
		return reduceGeneric[int8]
	case dtypes.Int16:
		return reduceGeneric[int16]
	case dtypes.Uint8:
		return reduceGeneric[uint8]
	case dtypes.Uint16:
		return reduceGeneric[uint16]
	case dtypes.Uint32:
		return reduceGeneric[uint32]
	case dtypes.Uint64:
		return reduceGeneric[uint64]
	}
	return nil
}

func execReduce(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*reduceData)
	out := st.newBuf(n.shape)
	if d.colSum != nil {
		o := out.flat.([]float32)
		clear(o)
		d.colSum(ins[0].flat.([]float32), o)
		return out, nil
	}
	d.kernel(d.plan, ins[0].flat, out.flat)
	return out, nil
}

var reduceFallbacks = map[backends.OpType]func(backends.Builder, backends.Op, ...int) (backends.Op, error){
	backends.OpTypeReduceSum:        backends.Builder.ReduceSum,
	backends.OpTypeReduceProduct:    backends.Builder.ReduceProduct,
	backends.OpTypeReduceMax:        backends.Builder.ReduceMax,
	backends.OpTypeReduceMin:        backends.Builder.ReduceMin,
	backends.OpTypeReduceBitwiseAnd: backends.Builder.ReduceBitwiseAnd,
	backends.OpTypeReduceBitwiseOr:  backends.Builder.ReduceBitwiseOr,
	backends.OpTypeReduceBitwiseXor: backends.Builder.ReduceBitwiseXor,
	backends.OpTypeReduceLogicalAnd: backends.Builder.ReduceLogicalAnd,
	backends.OpTypeReduceLogicalOr:  backends.Builder.ReduceLogicalOr,
	backends.OpTypeReduceLogicalXor: backends.Builder.ReduceLogicalXor,
}

func (b *Builder) reduceOp(opType backends.OpType, xOp backends.Op, axes ...int) (backends.Op, error) {
	nodes, err := b.checkOps(opType.String(), xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	if len(axes) == 0 {
		axes = make([]int, x.shape.Rank())
		for i := range axes {
			axes[i] = i
		}
	} else {
		axes = slices.Clone(axes)
	}
	kind := -1
	switch opType {
	case backends.OpTypeReduceSum:
		kind = redSum
	case backends.OpTypeReduceProduct:
		kind = redProduct
	case backends.OpTypeReduceMax:
		kind = redMax
	case backends.OpTypeReduceMin:
		kind = redMin
	}
	kernel := reduceKernelFor(x.shape.DType)
	if kind < 0 || kernel == nil {
		fb := reduceFallbacks[opType]
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(fb(sb, p[0], axes...))
		})
	}
	shape, err := shapeinference.ReduceOp(x.shape, axes)
	if err != nil {
		return nil, err
	}
	shape.DType = x.shape.DType
	if len(axes) == 0 {
		return b.Identity(x)
	}
	if kind == redSum {
		if fused := b.fuseMulReduceSum(x, axes, shape); fused != nil {
			return fused, nil
		}
	}
	n := b.newNode(opType, shape, execReduce, x)
	d := &reduceData{plan: newReducePlan(x.shape, axes, kind), kernel: kernel}
	if kind == redSum && x.shape.DType == dtypes.Float32 && len(d.plan.dims) == 2 && !d.plan.reduced[1] {
		d.colSum = colSumFor(d.plan.dims[1])
	}
	n.data = d
	return n, nil
}

// ReduceSum implements backends.Builder.
func (b *Builder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceSum, x, axes...)
}

// ReduceProduct implements backends.Builder.
func (b *Builder) ReduceProduct(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceProduct, x, axes...)
}

// ReduceMax implements backends.Builder.
func (b *Builder) ReduceMax(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceMax, x, axes...)
}

// ReduceMin implements backends.Builder.
func (b *Builder) ReduceMin(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceMin, x, axes...)
}

// ReduceBitwiseAnd implements backends.Builder (through simplego).
func (b *Builder) ReduceBitwiseAnd(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceBitwiseAnd, x, axes...)
}

// ReduceBitwiseOr implements backends.Builder (through simplego).
func (b *Builder) ReduceBitwiseOr(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceBitwiseOr, x, axes...)
}

// ReduceBitwiseXor implements backends.Builder (through simplego).
func (b *Builder) ReduceBitwiseXor(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceBitwiseXor, x, axes...)
}

// ReduceLogicalAnd implements backends.Builder (through simplego).
func (b *Builder) ReduceLogicalAnd(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceLogicalAnd, x, axes...)
}

// ReduceLogicalOr implements backends.Builder (through simplego).
func (b *Builder) ReduceLogicalOr(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceLogicalOr, x, axes...)
}

// ReduceLogicalXor implements backends.Builder (through simplego).
func (b *Builder) ReduceLogicalXor(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduceOp(backends.OpTypeReduceLogicalXor, x, axes...)
}

// ArgMinMax implements backends.Builder.
func (b *Builder) ArgMinMax(xOp backends.Op, axis int, outputDType dtypes.DType, isMin bool) (backends.Op, error) {
	opType := backends.OpTypeArgMinMax
	nodes, err := b.checkOps(opType.String(), xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	shape, err := shapeinference.ArgMinMaxOp(x.shape, axis, outputDType)
	if err != nil {
		return nil, err
	}
	kernel := argMinMaxKernelFor(x.shape.DType)
	if kernel == nil || !outputDType.IsInt() {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.ArgMinMax(p[0], axis, outputDType, isMin))
		})
	}
	d := &argMinMaxData{isMin: isMin, prefix: 1, suffix: 1, kernel: kernel}
	for i, dim := range x.shape.Dimensions {
		switch {
		case i < axis:
			d.prefix *= dim
		case i > axis:
			d.suffix *= dim
		default:
			d.size = dim
		}
	}
	n := b.newNode(opType, shape, execArgMinMax, x)
	n.data = d
	return n, nil
}

type argMinMaxData struct {
	isMin                bool
	prefix, size, suffix int
	kernel               func(d *argMinMaxData, in any, out []int64)
}

func argMinMaxKernelFor(dtype dtypes.DType) func(d *argMinMaxData, in any, out []int64) {
	switch dtype {
	case dtypes.Float32:
		return argMinMaxGeneric[float32]
	case dtypes.Float64:
		return argMinMaxGeneric[float64]
	case dtypes.Int32:
		return argMinMaxGeneric[int32]
	case dtypes.Int64:
		return argMinMaxGeneric[int64]
	case dtypes.Int8:
		return argMinMaxGeneric[int8]
	case dtypes.Int16:
		return argMinMaxGeneric[int16]
	case dtypes.Uint8:
		return argMinMaxGeneric[uint8]
	case dtypes.Uint16:
		return argMinMaxGeneric[uint16]
	case dtypes.Uint32:
		return argMinMaxGeneric[uint32]
	case dtypes.Uint64:
		return argMinMaxGeneric[uint64]
	}
	return nil
}

// argMinMaxGeneric follows simplego: the first extreme value wins, a NaN is always taken
// (the last NaN, since NaN doesn't compare).
func argMinMaxGeneric[T numeric](d *argMinMaxData, inAny any, out []int64) {
	in := inAny.([]T)
	for p := range d.prefix {
		base := p * d.size * d.suffix
		for s := range d.suffix {
			best := in[base+s]
			bestIdx := 0
			for r := 1; r < d.size; r++ {
				v := in[base+r*d.suffix+s]
				isNaN := v != v
				if (d.isMin && v < best) || (!d.isMin && v > best) || isNaN {
					best = v
					bestIdx = r
				}
			}
			out[p*d.suffix+s] = int64(bestIdx)
		}
	}
}

func execArgMinMax(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*argMinMaxData)
	size := n.shape.Size()
	tmp := st.tmp(dtypes.Int64, size)
	idx := tmp.flat.([]int64)
	d.kernel(d, ins[0].flat, idx)
	out := st.newBuf(n.shape)
	if n.shape.DType == dtypes.Int64 {
		copy(out.flat.([]int64), idx)
	} else {
		convertKernelFor(dtypes.Int64, n.shape.DType)(idx, out.flat, 0, size)
	}
	st.release(tmp)
	return out, nil
}

// ReduceWindow implements backends.Builder.
func (b *Builder) ReduceWindow(xOp backends.Op, reductionType backends.ReduceOpType,
	windowDimensions, strides, baseDilations, windowDilations []int, paddings [][2]int) (backends.Op, error) {
	opType := backends.OpTypeReduceWindow
	nodes, err := b.checkOps(opType.String(), xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	fallback := func() (backends.Op, error) {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.ReduceWindow(p[0], reductionType, windowDimensions, strides, baseDilations, windowDilations, paddings))
		})
	}
	kernel := reduceWindowKernelFor(x.shape.DType)
	kind := -1
	switch reductionType {
	case backends.ReduceOpSum:
		kind = redSum
	case backends.ReduceOpProduct:
		kind = redProduct
	case backends.ReduceOpMax:
		kind = redMax
	case backends.ReduceOpMin:
		kind = redMin
	}
	if kernel == nil || kind < 0 {
		return fallback()
	}
	shape, err := shapeinference.ReduceWindowOp(x.shape, windowDimensions, strides, baseDilations, windowDilations, paddings)
	if err != nil {
		return nil, err
	}
	rank := x.shape.Rank()
	d := &reduceWindowData{kind: kind, kernel: kernel, inDims: slices.Clone(x.shape.Dimensions),
		window: slices.Clone(windowDimensions), outDims: slices.Clone(shape.Dimensions)}
	d.strides = make([]int, rank)
	d.baseDil = make([]int, rank)
	d.winDil = make([]int, rank)
	d.padLow = make([]int, rank)
	for axis := range rank {
		d.strides[axis] = windowDimensions[axis]
		if len(strides) > 0 {
			d.strides[axis] = strides[axis]
		}
		d.baseDil[axis], d.winDil[axis] = 1, 1
		if len(baseDilations) > 0 && baseDilations[axis] > 0 {
			d.baseDil[axis] = baseDilations[axis]
		}
		if len(windowDilations) > 0 && windowDilations[axis] > 0 {
			d.winDil[axis] = windowDilations[axis]
		}
		if len(paddings) > 0 {
			d.padLow[axis] = paddings[axis][0]
		}
	}
	d.inStrides = rowMajorStrides(d.inDims)
	padHigh := make([]int, rank)
	for axis := range rank {
		if len(paddings) > 0 {
			padHigh[axis] = paddings[axis][1]
		}
	}
	if plan := newWindowPlan2(d.inDims, d.outDims, d.window, d.strides, d.padLow, padHigh, d.winDil, d.baseDil); plan != nil {
		d.rows = plan
		d.rowsKernel = reduceWindowRowsKernelFor(x.shape.DType)
	}
	n := b.newNode(opType, shape, execReduceWindow, x)
	n.data = d
	return n, nil
}

type reduceWindowData struct {
	kind                               int
	kernel                             func(d *reduceWindowData, in, out any)
	inDims, outDims, window, inStrides []int
	strides, baseDil, winDil, padLow   []int
	// rows and rowsKernel are the fast path, for windows over a block of consecutive axes.
	rows       *windowPlan2
	rowsKernel func(st *execState, p *windowPlan2, kind int, in, out any)
}

func reduceWindowKernelFor(dtype dtypes.DType) func(d *reduceWindowData, in, out any) {
	switch dtype {
	case dtypes.Float32:
		return reduceWindowGeneric[float32]
	case dtypes.Float64:
		return reduceWindowGeneric[float64]
	case dtypes.Int32:
		return reduceWindowGeneric[int32]
	case dtypes.Int64:
		return reduceWindowGeneric[int64]
	}
	return nil
}

// reduceWindowGeneric visits, for each output position, its window in row-major order.
func reduceWindowGeneric[T numeric](d *reduceWindowData, inAny, outAny any) {
	in, out := inAny.([]T), outAny.([]T)
	rank := len(d.inDims)
	init := reduceInit[T](d.kind)
	if len(out) == 0 {
		return
	}
	if rank > maxBroadcastRank {
		panic(fmt.Sprintf("ReduceWindow: rank %d not supported", rank))
	}
	var outIdxArr, winIdxArr [maxBroadcastRank]int
	outIdx, winIdx := outIdxArr[:rank], winIdxArr[:rank]
	windowSize := 1
	for _, w := range d.window {
		windowSize *= w
	}
	for o := range out {
		acc := init
		for i := range winIdx {
			winIdx[i] = 0
		}
		for range windowSize {
			flat := 0
			valid := true
			for axis := range rank {
				pos := outIdx[axis]*d.strides[axis] - d.padLow[axis] + winIdx[axis]*d.winDil[axis]
				if pos < 0 {
					valid = false
					break
				}
				if bd := d.baseDil[axis]; bd > 1 {
					if pos%bd != 0 {
						valid = false
						break
					}
					pos /= bd
				}
				if pos >= d.inDims[axis] {
					valid = false
					break
				}
				flat += pos * d.inStrides[axis]
			}
			if valid {
				v := in[flat]
				switch d.kind {
				case redSum:
					acc += v
				case redProduct:
					acc *= v
				case redMax:
					acc = max(acc, v)
				case redMin:
					acc = min(acc, v)
				}
			}
			for axis := rank - 1; axis >= 0; axis-- {
				winIdx[axis]++
				if winIdx[axis] < d.window[axis] {
					break
				}
				winIdx[axis] = 0
			}
		}
		out[o] = acc
		for axis := rank - 1; axis >= 0; axis-- {
			outIdx[axis]++
			if outIdx[axis] < d.outDims[axis] {
				break
			}
			outIdx[axis] = 0
		}
	}
}

func execReduceWindow(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*reduceWindowData)
	out := st.newBuf(n.shape)
	if d.rowsKernel != nil {
		d.rowsKernel(st, d.rows, d.kind, ins[0].flat, out.flat)
		return out, nil
	}
	d.kernel(d, ins[0].flat, out.flat)
	return out, nil
}

func reduceWindowRowsKernelFor(dtype dtypes.DType) func(st *execState, p *windowPlan2, kind int, in, out any) {
	switch dtype {
	case dtypes.Float32:
		return reduceWindowRows[float32]
	case dtypes.Float64:
		return reduceWindowRows[float64]
	case dtypes.Int32:
		return reduceWindowRows[int32]
	case dtypes.Int64:
		return reduceWindowRows[int64]
	}
	return nil
}
