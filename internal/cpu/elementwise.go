package cpu

import (
	"math"
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

//go:generate go run ./internal/gen

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

type signedInteger interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type unsignedInteger interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

type float interface{ ~float32 | ~float64 }

type numeric interface{ integer | float }

type signedNumeric interface{ signedInteger | float }

// powInt is simplego's integer power: negative exponents yield 1.
func powInt[T integer](base, exp T) T {
	result := T(1)
	for exp > 0 {
		if exp%2 == 1 {
			result *= base
		}
		base *= base
		exp >>= 1
	}
	return result
}

// absT matches simplego: Abs(-0.0) is -0.0.
func absT[T signedNumeric](a T) T {
	if a < 0 {
		return -a
	}
	return a
}

// signT matches simplego: Sign(NaN) is 0.
func signT[T signedNumeric](a T) T {
	switch {
	case a < 0:
		return -1
	case a > 0:
		return 1
	}
	return 0
}

// signF32 is a branch-free Sign (the branches of signT are unpredictable on random signs): ±1 for non-zero
// values (including infinities), 0 for ±0 and NaN, as simplego.
func signF32(x float32) float32 {
	bits := math.Float32bits(x)
	mag := bits & 0x7fff_ffff
	var mask uint32
	if mag-1 < 0x7f80_0000 { // 0 < mag <= +Inf.
		mask = 0xffff_ffff
	}
	return math.Float32frombits((0x3f80_0000 | bits&0x8000_0000) & mask)
}

// signF64 is the float64 version of signF32.
func signF64(x float64) float64 {
	bits := math.Float64bits(x)
	mag := bits & 0x7fff_ffff_ffff_ffff
	var mask uint64
	if mag-1 < 0x7ff0_0000_0000_0000 {
		mask = 0xffff_ffff_ffff_ffff
	}
	return math.Float64frombits((0x3ff0_0000_0000_0000 | bits&0x8000_0000_0000_0000) & mask)
}

func signU[T unsignedInteger](a T) T {
	if a > 0 {
		return 1
	}
	return 0
}

func logisticT[T float](a T) T {
	x := float64(a)
	if x >= 0 {
		return T(1.0 / (1.0 + math.Exp(-x)))
	}
	e := math.Exp(x)
	return T(e / (1.0 + e))
}

func convertNumeric[F, U numeric](x []F, out []U) {
	out = out[:len(x)]
	for i, v := range x {
		out[i] = U(v)
	}
}

func convertFromBool[U numeric](x []bool, out []U) {
	out = out[:len(x)]
	for i, v := range x {
		if v {
			out[i] = 1
		} else {
			out[i] = 0
		}
	}
}

func convertToBool[F numeric](x []F, out []bool) {
	out = out[:len(x)]
	for i, v := range x {
		out[i] = v != 0
	}
}

// unaryKernel applies an elementwise function from x to out (both flat slices), for elements [start, end).
type unaryKernel func(x, out any, start, end int)

func makeUnaryKernel[T, U any](fn func([]T, []U)) unaryKernel {
	return func(x, out any, start, end int) { fn(x.([]T)[start:end], out.([]U)[start:end]) }
}

// Broadcast plans of binary ops.
const (
	bcSame      = iota // Same shapes.
	bcRhsScalar        // rhs has one element.
	bcLhsScalar        // lhs has one element.
	bcRowR             // Output [rows, p]: lhs full, rhs a [p] row repeated.
	bcRowL             // Output [rows, p]: lhs a [p] row repeated, rhs full.
	bcColR             // Output [rows, p]: lhs full, rhs one value per row.
	bcColL             // Output [rows, p]: lhs one value per row, rhs full.
	bcRowBoth          // Output [rows, p]: lhs and rhs are [p] rows repeated.
	bcGeneral          // General broadcasting, see binaryPlan.
)

// binaryLoops are the loops of a binary op for each broadcasting pattern.
type binaryLoops[T, U any] struct {
	vv                     func(x, y []T, out []U)
	vs                     func(x []T, b T, out []U)
	sv                     func(a T, y []T, out []U)
	rowR, rowL, colR, colL func(x, y []T, out []U)
	nd                     func(x, y []T, out []U, plan *binaryPlan, start, end int)
}

// maxBroadcastRank is the maximum rank, after merging axes, of the general broadcasting loops.
const maxBroadcastRank = 16

// binaryPlan describes how to iterate the operands of a binary op.
//
// For bcGeneral, output axes are merged when they have the same broadcasting pattern, and the
// inner (last) merged axis is processed by one of the vector-vector, vector-scalar or
// scalar-vector loops.
type binaryPlan struct {
	kind           int
	dims           []int // Merged output dimensions.
	lhsStrides     []int // Per merged axis, 0 for broadcast axes.
	rhsStrides     []int
	innerLhsScalar bool
	innerRhsScalar bool
}

// operandStrides returns, per output axis, the strides of an operand (of the same rank as the output, or a
// scalar) read with implicit broadcasting: 0 for the broadcast axes.
func operandStrides(operand, out shapes.Shape) []int {
	if operand.Rank() == 0 {
		return make([]int, out.Rank())
	}
	strides := rowMajorStrides(operand.Dimensions)
	for i, d := range operand.Dimensions {
		if d == 1 {
			strides[i] = 0
		}
	}
	return strides
}

// newBinaryPlan returns the plan to compute a binary op over the output dimensions outDims, where the operands
// are read with the given strides (per output axis, 0 for broadcast axes). It returns nil if the innermost
// merged axis is not contiguous (or broadcast) in both operands.
func newBinaryPlan(outDims, lhsStrides, rhsStrides []int) *binaryPlan {
	var dims, ls, rs []int
	for i, d := range outDims {
		if d == 1 {
			continue
		}
		if n := len(dims); n > 0 && ls[n-1] == lhsStrides[i]*d && rs[n-1] == rhsStrides[i]*d {
			dims[n-1] *= d
			ls[n-1] = lhsStrides[i]
			rs[n-1] = rhsStrides[i]
			continue
		}
		dims = append(dims, d)
		ls = append(ls, lhsStrides[i])
		rs = append(rs, rhsStrides[i])
	}
	p := &binaryPlan{}
	r := len(dims)
	if r == 0 {
		p.kind = bcSame // A single element.
		return p
	}
	if r > maxBroadcastRank {
		return nil
	}
	innerL, innerR := ls[r-1], rs[r-1]
	if (innerL != 0 && innerL != 1) || (innerR != 0 && innerR != 1) || (innerL == 0 && innerR == 0) {
		return nil
	}
	if r == 1 {
		switch {
		case innerL == 1 && innerR == 1:
			p.kind = bcSame
		case innerR == 0:
			p.kind = bcRhsScalar
		default:
			p.kind = bcLhsScalar
		}
		return p
	}
	if r == 2 {
		pDim := dims[1]
		p.dims = dims
		switch {
		case ls[0] == pDim && innerL == 1 && rs[0] == 0 && innerR == 1:
			p.kind = bcRowR
			return p
		case ls[0] == 0 && innerL == 1 && rs[0] == pDim && innerR == 1:
			p.kind = bcRowL
			return p
		case ls[0] == pDim && innerL == 1 && rs[0] == 1 && innerR == 0:
			p.kind = bcColR
			return p
		case ls[0] == 1 && innerL == 0 && rs[0] == pDim && innerR == 1:
			p.kind = bcColL
			return p
		case ls[0] == 0 && innerL == 1 && rs[0] == 0 && innerR == 1:
			p.kind = bcRowBoth
			return p
		}
	}
	p.kind = bcGeneral
	p.dims, p.lhsStrides, p.rhsStrides = dims, ls, rs
	p.innerLhsScalar = innerL == 0
	p.innerRhsScalar = innerR == 0
	return p
}

// binaryOperandView returns the node to read a binary op operand from, and its strides over the output axes:
// a Broadcast or BroadcastInDim operand is replaced by its input, read with broadcasting strides (so the
// broadcast is never materialized, unless another op uses it).
func binaryOperandView(operand *opNode, out shapes.Shape) (*opNode, []int) {
	if operand.bcastStrides != nil && operand.shape.Rank() == out.Rank() {
		strides := slices.Clone(operand.bcastStrides)
		for i, d := range operand.shape.Dimensions {
			if d == 1 {
				strides[i] = 0
			}
		}
		return operand.inputs[0], strides
	}
	return operand, operandStrides(operand.shape, out)
}

// binaryKernel applies a binary op to flat slices according to the plan.
// It computes the output elements [start, end): start and end must be multiples of plan.splitUnit(), or
// 0 and len(out) if the plan can't be split.
type binaryKernel func(lhs, rhs, out any, plan *binaryPlan, start, end int)

// splitUnit returns the alignment of the ranges the plan can be computed by, or 0 if it can't be split.
func (p *binaryPlan) splitUnit() int {
	switch p.kind {
	case bcSame, bcRhsScalar, bcLhsScalar:
		return 1
	case bcRowR, bcRowL, bcColR, bcColL:
		return p.dims[1]
	}
	return 0
}

func makeBinaryKernel[T, U any](loops binaryLoops[T, U]) binaryKernel {
	vv, vs, sv := loops.vv, loops.vs, loops.sv
	return func(lhsAny, rhsAny, outAny any, plan *binaryPlan, start, end int) {
		lhs, rhs, out := lhsAny.([]T), rhsAny.([]T), outAny.([]U)
		switch plan.kind {
		case bcSame:
			vv(lhs[start:end], rhs[start:end], out[start:end])
		case bcRhsScalar:
			vs(lhs[start:end], rhs[0], out[start:end])
		case bcLhsScalar:
			sv(lhs[0], rhs[start:end], out[start:end])
		case bcRowR:
			loops.rowR(lhs[start:end], rhs, out[start:end])
		case bcRowL:
			loops.rowL(lhs, rhs[start:end], out[start:end])
		case bcColR:
			p := plan.dims[1]
			loops.colR(lhs[start:end], rhs[start/p:end/p], out[start:end])
		case bcColL:
			p := plan.dims[1]
			loops.colL(lhs[start/p:end/p], rhs[start:end], out[start:end])
		case bcRowBoth:
			// Compute the first row, then replicate it.
			pDim := plan.dims[1]
			vv(lhs[:pDim], rhs[:pDim], out[:pDim])
			for base := pDim; base < len(out); base += pDim {
				copy(out[base:base+pDim], out[:pDim])
			}
		default:
			loops.nd(lhs, rhs, out, plan, start, end)
		}
	}
}

type unaryData struct {
	kernel unaryKernel
}

func execUnary(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*unaryData)
	out := st.outputReusing(n, ins, 0)
	size := n.shape.Size()
	if parts := st.elementwiseParts(size); parts > 1 {
		j := &st.ewJob
		*j = elementwiseJob{unary: d.kernel, x: ins[0].flat, out: out.flat, size: size, unit: 1}
		st.b.workers.run(j, parts, &st.wg)
		*j = elementwiseJob{}
	} else {
		d.kernel(ins[0].flat, out.flat, 0, size)
	}
	return out, nil
}

// elementwiseJob runs a unary or binary kernel split in ranges of the output.
type elementwiseJob struct {
	unary      unaryKernel
	binary     binaryKernel
	plan       *binaryPlan
	x, y, out  any
	size, unit int
}

func (j *elementwiseJob) runPart(part, numParts int) {
	units := j.size / j.unit
	start, end := units*part/numParts*j.unit, units*(part+1)/numParts*j.unit
	if start >= end {
		return
	}
	if j.unary != nil {
		j.unary(j.x, j.out, start, end)
	} else {
		j.binary(j.x, j.y, j.out, j.plan, start, end)
	}
}

// elementwiseMinPerThread is the minimum number of elements computed by each goroutine.
const elementwiseMinPerThread = 128 * 1024

// elementwiseParts returns in how many parts to split an elementwise op of the given size.
func (st *execState) elementwiseParts(size int) int {
	return min(st.b.threads, size/elementwiseMinPerThread)
}

type binaryData struct {
	kernel binaryKernel
	plan   *binaryPlan
	// lhsStrides and rhsStrides are the operands' strides per output axis (0 for broadcast axes), for the
	// inputs of the node (which may be the sources of folded broadcasts).
	lhsStrides, rhsStrides []int
}

func execBinary(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*binaryData)
	var out *Buffer
	if ins[0].shape.Size() == n.shape.Size() && ins[1].shape.Size() == n.shape.Size() {
		out = st.outputReusing(n, ins, 0, 1)
	} else if ins[0].shape.Size() == n.shape.Size() {
		out = st.outputReusing(n, ins, 0)
	} else if ins[1].shape.Size() == n.shape.Size() {
		out = st.outputReusing(n, ins, 1)
	} else {
		out = st.newBuf(n.shape)
	}
	size := n.shape.Size()
	if unit := d.plan.splitUnit(); unit > 0 && size%unit == 0 {
		if parts := min(st.elementwiseParts(size), size/unit); parts > 1 {
			j := &st.ewJob
			*j = elementwiseJob{binary: d.kernel, plan: d.plan, x: ins[0].flat, y: ins[1].flat, out: out.flat, size: size, unit: unit}
			st.b.workers.run(j, parts, &st.wg)
			*j = elementwiseJob{}
			return out, nil
		}
	}
	d.kernel(ins[0].flat, ins[1].flat, out.flat, d.plan, 0, size)
	return out, nil
}

// unaryFallbacks maps unary ops to the corresponding simplego builder method.
var unaryFallbacks = map[backends.OpType]func(backends.Builder, backends.Op) (backends.Op, error){
	backends.OpTypeNeg:        backends.Builder.Neg,
	backends.OpTypeAbs:        backends.Builder.Abs,
	backends.OpTypeSign:       backends.Builder.Sign,
	backends.OpTypeExp:        backends.Builder.Exp,
	backends.OpTypeExpm1:      backends.Builder.Expm1,
	backends.OpTypeLog:        backends.Builder.Log,
	backends.OpTypeLog1p:      backends.Builder.Log1p,
	backends.OpTypeCeil:       backends.Builder.Ceil,
	backends.OpTypeFloor:      backends.Builder.Floor,
	backends.OpTypeRound:      backends.Builder.Round,
	backends.OpTypeSqrt:       backends.Builder.Sqrt,
	backends.OpTypeRsqrt:      backends.Builder.Rsqrt,
	backends.OpTypeCos:        backends.Builder.Cos,
	backends.OpTypeSin:        backends.Builder.Sin,
	backends.OpTypeTanh:       backends.Builder.Tanh,
	backends.OpTypeErf:        backends.Builder.Erf,
	backends.OpTypeLogistic:   backends.Builder.Logistic,
	backends.OpTypeLogicalNot: backends.Builder.LogicalNot,
	backends.OpTypeBitwiseNot: backends.Builder.BitwiseNot,
	backends.OpTypeBitCount:   backends.Builder.BitCount,
	backends.OpTypeClz:        backends.Builder.Clz,
	backends.OpTypeIsFinite:   backends.Builder.IsFinite,
	backends.OpTypeImag:       backends.Builder.Imag,
	backends.OpTypeReal:       backends.Builder.Real,
	backends.OpTypeConj:       backends.Builder.Conj,
}

// binaryFallbacks maps binary ops to the corresponding simplego builder method.
var binaryFallbacks = map[backends.OpType]func(backends.Builder, backends.Op, backends.Op) (backends.Op, error){
	backends.OpTypeAdd:                      backends.Builder.Add,
	backends.OpTypeSub:                      backends.Builder.Sub,
	backends.OpTypeMul:                      backends.Builder.Mul,
	backends.OpTypeDiv:                      backends.Builder.Div,
	backends.OpTypeMax:                      backends.Builder.Max,
	backends.OpTypeMin:                      backends.Builder.Min,
	backends.OpTypeRem:                      backends.Builder.Rem,
	backends.OpTypePow:                      backends.Builder.Pow,
	backends.OpTypeBitwiseAnd:               backends.Builder.BitwiseAnd,
	backends.OpTypeBitwiseOr:                backends.Builder.BitwiseOr,
	backends.OpTypeBitwiseXor:               backends.Builder.BitwiseXor,
	backends.OpTypeLogicalAnd:               backends.Builder.LogicalAnd,
	backends.OpTypeLogicalOr:                backends.Builder.LogicalOr,
	backends.OpTypeLogicalXor:               backends.Builder.LogicalXor,
	backends.OpTypeEqual:                    backends.Builder.Equal,
	backends.OpTypeNotEqual:                 backends.Builder.NotEqual,
	backends.OpTypeGreaterOrEqual:           backends.Builder.GreaterOrEqual,
	backends.OpTypeGreaterThan:              backends.Builder.GreaterThan,
	backends.OpTypeLessOrEqual:              backends.Builder.LessOrEqual,
	backends.OpTypeLessThan:                 backends.Builder.LessThan,
	backends.OpTypeEqualTotalOrder:          backends.Builder.EqualTotalOrder,
	backends.OpTypeNotEqualTotalOrder:       backends.Builder.NotEqualTotalOrder,
	backends.OpTypeGreaterOrEqualTotalOrder: backends.Builder.GreaterOrEqualTotalOrder,
	backends.OpTypeGreaterThanTotalOrder:    backends.Builder.GreaterThanTotalOrder,
	backends.OpTypeLessOrEqualTotalOrder:    backends.Builder.LessOrEqualTotalOrder,
	backends.OpTypeLessThanTotalOrder:       backends.Builder.LessThanTotalOrder,
	backends.OpTypeShiftLeft:                backends.Builder.ShiftLeft,
	backends.OpTypeShiftRightArithmetic:     backends.Builder.ShiftRightArithmetic,
	backends.OpTypeShiftRightLogical:        backends.Builder.ShiftRightLogical,
	backends.OpTypeComplex:                  backends.Builder.Complex,
}

// unaryOp builds a native unary op if there is a kernel for it, otherwise a fallback.
func (b *Builder) unaryOp(opType backends.OpType, xOp backends.Op) (backends.Op, error) {
	nodes, err := b.checkOps(opType.String(), xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	var kernel unaryKernel
	var shape shapes.Shape
	switch opType {
	case backends.OpTypeIsFinite:
		if x.shape.DType.IsFloat() {
			kernel = unaryKernelFor(opType, x.shape.DType)
			shape = x.shape.Clone()
			shape.DType = dtypes.Bool
		}
	default:
		if shapeinference.StandardUnaryOperations.Has(opType) {
			shape, err = shapeinference.UnaryOp(opType, x.shape)
			if err != nil {
				return nil, err
			}
			kernel = unaryKernelFor(opType, x.shape.DType)
		}
	}
	if kernel == nil {
		fb := unaryFallbacks[opType]
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(fb(sb, p[0]))
		})
	}
	n := b.newNode(opType, shape, execUnary, x)
	n.data = &unaryData{kernel: kernel}
	return n, nil
}

// binaryOp builds a native binary (or comparison) op if there is a kernel for it, otherwise a fallback.
func (b *Builder) binaryOp(opType backends.OpType, lhsOp, rhsOp backends.Op) (backends.Op, error) {
	nodes, err := b.checkOps(opType.String(), lhsOp, rhsOp)
	if err != nil {
		return nil, err
	}
	lhs, rhs := nodes[0], nodes[1]
	var shape shapes.Shape
	var kernel binaryKernel
	switch {
	case shapeinference.StandardBinaryOperations.Has(opType):
		shape, err = shapeinference.BinaryOp(opType, lhs.shape, rhs.shape)
		if err != nil {
			return nil, err
		}
		kernel = binaryKernelFor(opType, lhs.shape.DType)
	case shapeinference.ComparisonOperations.Has(opType):
		shape, err = shapeinference.ComparisonOp(opType, lhs.shape, rhs.shape)
		if err != nil {
			return nil, err
		}
		kernel = binaryKernelFor(opType, lhs.shape.DType)
	}
	if kernel == nil {
		fb := binaryFallbacks[opType]
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(fb(sb, p[0], p[1]))
		})
	}
	lhsSrc, lhsStrides := binaryOperandView(lhs, shape)
	rhsSrc, rhsStrides := binaryOperandView(rhs, shape)
	plan := newBinaryPlan(shape.Dimensions, lhsStrides, rhsStrides)
	if plan == nil {
		// Read the broadcast operands materialized.
		lhsSrc, rhsSrc = lhs, rhs
		plan = newBinaryPlan(shape.Dimensions, operandStrides(lhs.shape, shape), operandStrides(rhs.shape, shape))
	}
	if lhsSrc == lhs {
		lhsStrides = operandStrides(lhs.shape, shape)
	}
	if rhsSrc == rhs {
		rhsStrides = operandStrides(rhs.shape, shape)
	}
	n := b.newNode(opType, shape, execBinary, lhsSrc, rhsSrc)
	n.data = &binaryData{kernel: kernel, plan: plan, lhsStrides: lhsStrides, rhsStrides: rhsStrides}
	return n, nil
}

// ConvertDType implements backends.Builder.
func (b *Builder) ConvertDType(xOp backends.Op, dtype dtypes.DType) (backends.Op, error) {
	opType := backends.OpTypeConvertDType
	nodes, err := b.checkOps(opType.String(), xOp)
	if err != nil {
		return nil, err
	}
	x := nodes[0]
	if x.shape.DType == dtype {
		return x, nil
	}
	kernel := convertKernelFor(x.shape.DType, dtype)
	if kernel == nil {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.ConvertDType(p[0], dtype))
		})
	}
	shape := x.shape.Clone()
	shape.DType = dtype
	n := b.newNode(opType, shape, execUnary, x)
	n.data = &unaryData{kernel: kernel}
	return n, nil
}

// Where implements backends.Builder.
func (b *Builder) Where(condOp, onTrueOp, onFalseOp backends.Op) (backends.Op, error) {
	opType := backends.OpTypeWhere
	nodes, err := b.checkOps(opType.String(), condOp, onTrueOp, onFalseOp)
	if err != nil {
		return nil, err
	}
	cond, onTrue, onFalse := nodes[0], nodes[1], nodes[2]
	shape, err := shapeinference.WhereOp(cond.shape, onTrue.shape, onFalse.shape)
	if err != nil {
		return nil, err
	}
	kernel := whereKernelFor(shape.DType)
	if kernel == nil {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.Where(p[0], p[1], p[2]))
		})
	}
	n := b.newNode(opType, shape, execWhere, cond, onTrue, onFalse)
	n.data = kernel
	return n, nil
}

type whereKernel func(cond []bool, onTrue, onFalse, out any)

func whereKernelFor(dtype dtypes.DType) whereKernel {
	switch dtype {
	case dtypes.Float32, dtypes.Int32, dtypes.Uint32:
		return whereWords[uint32]
	case dtypes.Float64, dtypes.Int64, dtypes.Uint64:
		return whereWords[uint64]
	case dtypes.Int8:
		return whereGeneric[int8]
	case dtypes.Int16:
		return whereGeneric[int16]
	case dtypes.Uint8:
		return whereGeneric[uint8]
	case dtypes.Uint16:
		return whereGeneric[uint16]
	case dtypes.Bool:
		return whereGeneric[bool]
	}
	return nil
}

// whereWords is a branch-free Where for 4 and 8-byte dtypes (the condition is often random, e.g. a dropout
// mask): values are selected with bit masks on their raw words.
func whereWords[W uint32 | uint64](cond []bool, onTrueAny, onFalseAny, outAny any) {
	onTrue, onFalse, out := words[W](onTrueAny), words[W](onFalseAny), words[W](outAny)
	if len(out) == 0 || len(cond) == 1 {
		whereGeneric[W](cond, onTrue, onFalse, out)
		return
	}
	out = out[:len(cond)]
	tScalar, fScalar := len(onTrue) == 1, len(onFalse) == 1
	t, f := onTrue[0], onFalse[0]
	for i, c := range cond {
		m := W(0) - W(*(*uint8)(unsafe.Pointer(&c)))
		if !tScalar {
			t = onTrue[i]
		}
		if !fScalar {
			f = onFalse[i]
		}
		out[i] = t&m | f&^m
	}
}

func whereGeneric[T any](cond []bool, onTrueAny, onFalseAny, outAny any) {
	onTrue, onFalse, out := onTrueAny.([]T), onFalseAny.([]T), outAny.([]T)
	if len(out) == 0 {
		return
	}
	if len(cond) == 1 {
		src := onFalse
		if cond[0] {
			src = onTrue
		}
		if len(src) == len(out) {
			if &src[0] != &out[0] {
				copy(out, src)
			}
		} else {
			c := src[0]
			for i := range out {
				out[i] = c
			}
		}
		return
	}
	out = out[:len(cond)]
	switch {
	case len(onTrue) == len(out) && len(onFalse) == len(out):
		onTrue, onFalse = onTrue[:len(out)], onFalse[:len(out)]
		for i, c := range cond {
			if c {
				out[i] = onTrue[i]
			} else {
				out[i] = onFalse[i]
			}
		}
	case len(onTrue) == len(out):
		f := onFalse[0]
		onTrue = onTrue[:len(out)]
		for i, c := range cond {
			if c {
				out[i] = onTrue[i]
			} else {
				out[i] = f
			}
		}
	case len(onFalse) == len(out):
		t := onTrue[0]
		onFalse = onFalse[:len(out)]
		for i, c := range cond {
			if c {
				out[i] = t
			} else {
				out[i] = onFalse[i]
			}
		}
	default:
		t, f := onTrue[0], onFalse[0]
		for i, c := range cond {
			if c {
				out[i] = t
			} else {
				out[i] = f
			}
		}
	}
}

func execWhere(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	kernel := n.data.(whereKernel)
	var candidates [2]int
	nc := 0
	for j := 1; j <= 2; j++ {
		if ins[j].shape.Size() == n.shape.Size() {
			candidates[nc] = j
			nc++
		}
	}
	out := st.outputReusing(n, ins, candidates[:nc]...)
	kernel(ins[0].flat.([]bool), ins[1].flat, ins[2].flat, out.flat)
	return out, nil
}
