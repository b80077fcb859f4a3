package cpu

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// gemmKind is the kernel chosen for a float32 matrix product.
type gemmKind int

const (
	gemmKindGo gemmKind = iota
	gemmKindAsm
	gemmKindBLAS
)

// String returns the kernel name.
func (k gemmKind) String() string {
	switch k {
	case gemmKindAsm:
		return "asm"
	case gemmKindBLAS:
		return "blas"
	}
	return "go"
}

// selectGemm chooses the kernel for an m×k·k×n product. The choice never depends on the number of
// threads, so results for a given machine only depend on the thread count if BLAS is used.
func (b *Backend) selectGemm(m, n, k int) gemmKind {
	switch b.gemmMode {
	case gemmGo:
		return gemmKindGo
	case gemmAsm:
		if asmKernel != nil {
			return gemmKindAsm
		}
		return gemmKindGo
	case gemmBLAS:
		if blasAvailable() {
			return gemmKindBLAS
		}
		return gemmKindGo
	}
	return autoGemm(m, n, k)
}

// autoGemm is the per-shape kernel selection rule, from the benchmarks (see doc.go): OpenBLAS was the fastest
// on every shape of the reference models (1.2-3x the assembly kernel), and the assembly kernel is 10-20x faster
// than the pure-Go one. The tiniest products stay in Go code, to save
// the cgo call.
func autoGemm(m, n, k int) gemmKind {
	if blasAvailable() && 2*m*n*k >= blasMinFlops {
		return gemmKindBLAS
	}
	switch {
	case asmKernel != nil:
		return gemmKindAsm
	}
	return gemmKindGo
}

// blasMinFlops is the smallest product sent to BLAS.
const blasMinFlops = 16 * 1024

// dotData holds the normalized description of a DotGeneral: batch × [M×K]·[K×N].
type dotData struct {
	batch, m, n, k int
	// lhsPlan/rhsPlan are set when the operand must be transposed (materialized) to the
	// [batch, M, K] / [batch, K, N] layout.
	lhsPlan, rhsPlan *stridedCopyPlan
	transA, transB   bool
	kind             gemmKind
	generic          func(d *dotData, lhs, rhs, out any)
}

// DotGeneral implements backends.Builder.
func (b *Builder) DotGeneral(lhsOp backends.Op, lhsContractingAxes, lhsBatchAxes []int,
	rhsOp backends.Op, rhsContractingAxes, rhsBatchAxes []int) (backends.Op, error) {
	opType := backends.OpTypeDotGeneral
	nodes, err := b.checkOps(opType.String(), lhsOp, rhsOp)
	if err != nil {
		return nil, err
	}
	lhs, rhs := nodes[0], nodes[1]
	d, shape, err := b.planDotGeneral(lhs.shape, lhsContractingAxes, lhsBatchAxes, rhs.shape, rhsContractingAxes, rhsBatchAxes)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.DotGeneral(p[0], lhsContractingAxes, lhsBatchAxes, p[1], rhsContractingAxes, rhsBatchAxes))
		})
	}
	n := b.newNode(opType, shape, execDotGeneral, lhs, rhs)
	n.data = d
	return n, nil
}

// planDotGeneral validates the DotGeneral and returns its plan and output shape, or a nil plan if the dtype
// is not supported natively. The operands only matter through their flat data: the plan can be used with
// any nodes holding data of these shapes.
func (b *Builder) planDotGeneral(lhsShape shapes.Shape, lhsContractingAxes, lhsBatchAxes []int,
	rhsShape shapes.Shape, rhsContractingAxes, rhsBatchAxes []int) (*dotData, shapes.Shape, error) {
	if lhsShape.DType != rhsShape.DType {
		return nil, shapes.Invalid(), fmt.Errorf("DotGeneral: lhs and rhs dtypes don't match: %s and %s", lhsShape, rhsShape)
	}
	if len(lhsContractingAxes) != len(rhsContractingAxes) || len(lhsBatchAxes) != len(rhsBatchAxes) {
		return nil, shapes.Invalid(), fmt.Errorf("DotGeneral: number of contracting (%d, %d) or batch (%d, %d) axes don't match",
			len(lhsContractingAxes), len(rhsContractingAxes), len(lhsBatchAxes), len(rhsBatchAxes))
	}
	lc, err := normalizeAxes(lhsShape, lhsContractingAxes)
	if err != nil {
		return nil, shapes.Invalid(), err
	}
	lb, err := normalizeAxes(lhsShape, lhsBatchAxes)
	if err != nil {
		return nil, shapes.Invalid(), err
	}
	rc, err := normalizeAxes(rhsShape, rhsContractingAxes)
	if err != nil {
		return nil, shapes.Invalid(), err
	}
	rb, err := normalizeAxes(rhsShape, rhsBatchAxes)
	if err != nil {
		return nil, shapes.Invalid(), err
	}
	d := &dotData{batch: 1, m: 1, n: 1, k: 1}
	var outDims []int
	for i := range lb {
		dl, dr := lhsShape.Dimensions[lb[i]], rhsShape.Dimensions[rb[i]]
		if dl != dr {
			return nil, shapes.Invalid(), fmt.Errorf("DotGeneral: batch dimensions don't match: lhs[%d]=%d, rhs[%d]=%d", lb[i], dl, rb[i], dr)
		}
		d.batch *= dl
		outDims = append(outDims, dl)
	}
	for i := range lc {
		dl, dr := lhsShape.Dimensions[lc[i]], rhsShape.Dimensions[rc[i]]
		if dl != dr {
			return nil, shapes.Invalid(), fmt.Errorf("DotGeneral: contracting dimensions don't match: lhs[%d]=%d, rhs[%d]=%d", lc[i], dl, rc[i], dr)
		}
		d.k *= dl
	}
	lCross := crossAxes(lhsShape.Rank(), lc, lb)
	rCross := crossAxes(rhsShape.Rank(), rc, rb)
	for _, a := range lCross {
		d.m *= lhsShape.Dimensions[a]
		outDims = append(outDims, lhsShape.Dimensions[a])
	}
	for _, a := range rCross {
		d.n *= rhsShape.Dimensions[a]
		outDims = append(outDims, rhsShape.Dimensions[a])
	}
	dtype := lhsShape.DType
	shape := shapes.Make(dtype, outDims...)
	if dtype != dtypes.Float32 {
		d.generic = dotGenericKernelFor(dtype)
		if d.generic == nil {
			return nil, shape, nil
		}
	}

	// Operand layouts: use the operands in place when their axes are already grouped, else transpose.
	lhsNormal := concatAxes(lb, lCross, lc)
	lhsTrans := concatAxes(lb, lc, lCross)
	switch {
	case isLayoutIdentity(lhsShape, lhsNormal):
	case isLayoutIdentity(lhsShape, lhsTrans):
		d.transA = true
	default:
		d.lhsPlan = transposePlan(lhsShape, lhsNormal)
	}
	rhsNormal := concatAxes(rb, rc, rCross)
	rhsTrans := concatAxes(rb, rCross, rc)
	switch {
	case isLayoutIdentity(rhsShape, rhsNormal):
	case isLayoutIdentity(rhsShape, rhsTrans):
		d.transB = true
	default:
		d.rhsPlan = transposePlan(rhsShape, rhsNormal)
	}
	if d.generic != nil {
		// The generic kernel only handles the normal layouts.
		if d.transA {
			d.transA = false
			d.lhsPlan = transposePlan(lhsShape, lhsNormal)
		}
		if d.transB {
			d.transB = false
			d.rhsPlan = transposePlan(rhsShape, rhsNormal)
		}
	} else {
		d.kind = b.backend.selectGemm(d.m, d.n, d.k)
	}
	return d, shape, nil
}

func normalizeAxes(shape shapes.Shape, axes []int) ([]int, error) {
	out := make([]int, len(axes))
	seen := make([]bool, shape.Rank())
	for i, a := range axes {
		if a < 0 {
			a += shape.Rank()
		}
		if a < 0 || a >= shape.Rank() {
			return nil, fmt.Errorf("DotGeneral: axis %d out of range for shape %s", axes[i], shape)
		}
		if seen[a] {
			return nil, fmt.Errorf("DotGeneral: axis %d repeated for shape %s", a, shape)
		}
		seen[a] = true
		out[i] = a
	}
	return out, nil
}

func crossAxes(rank int, contracting, batch []int) []int {
	var cross []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			cross = append(cross, a)
		}
	}
	return cross
}

func concatAxes(groups ...[]int) []int {
	var out []int
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// isLayoutIdentity returns whether reading the tensor with the axes in the given order is the same as its
// row-major layout: axes of dimension 1 don't matter.
func isLayoutIdentity(shape shapes.Shape, perm []int) bool {
	last := -1
	for _, a := range perm {
		if shape.Dimensions[a] == 1 {
			continue
		}
		if a < last {
			return false
		}
		last = a
	}
	return true
}

// transposePlan returns the plan to materialize the tensor with its axes in the perm order.
func transposePlan(shape shapes.Shape, perm []int) *stridedCopyPlan {
	inStrides := rowMajorStrides(shape.Dimensions)
	dims := make([]int, len(perm))
	strides := make([]int, len(perm))
	for i, a := range perm {
		dims[i] = shape.Dimensions[a]
		strides[i] = inStrides[a]
	}
	return newStridedCopyPlan(0, dims, strides)
}

func execDotGeneral(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*dotData)
	lhs, rhs := ins[0], ins[1]
	var lhsTmp, rhsTmp *Buffer
	if d.lhsPlan != nil {
		lhsTmp = st.tmp(lhs.shape.DType, d.batch*d.m*d.k)
		runStridedCopy(d.lhsPlan, lhs.flat, lhsTmp.flat, lhs.shape.DType)
		lhs = lhsTmp
	}
	if d.rhsPlan != nil {
		rhsTmp = st.tmp(rhs.shape.DType, d.batch*d.k*d.n)
		runStridedCopy(d.rhsPlan, rhs.flat, rhsTmp.flat, rhs.shape.DType)
		rhs = rhsTmp
	}
	out := st.newBuf(n.shape)
	if d.generic != nil {
		d.generic(d, lhs.flat, rhs.flat, out.flat)
	} else {
		a, b, c := lhs.flat.([]float32), rhs.flat.([]float32), out.flat.([]float32)
		pr := gemmProblem{m: d.m, n: d.n, k: d.k, transA: d.transA, transB: d.transB, ldc: d.n}
		pr.lda = d.k
		if d.transA {
			pr.lda = d.m
		}
		pr.ldb = d.n
		if d.transB {
			pr.ldb = d.k
		}
		for bi := range d.batch {
			pr.a = a[bi*d.m*d.k : (bi+1)*d.m*d.k]
			pr.b = b[bi*d.k*d.n : (bi+1)*d.k*d.n]
			pr.c = c[bi*d.m*d.n : (bi+1)*d.m*d.n]
			st.gemm32(&pr, d.kind)
		}
	}
	if lhsTmp != nil {
		st.release(lhsTmp)
	}
	if rhsTmp != nil {
		st.release(rhsTmp)
	}
	return out, nil
}

// gemm32 computes a float32 product with the given kernel; degenerate sizes are handled here.
func (st *execState) gemm32(pr *gemmProblem, kind gemmKind) {
	if pr.m == 0 || pr.n == 0 {
		return
	}
	if pr.k == 0 {
		for i := range pr.m {
			clear(pr.c[i*pr.ldc : i*pr.ldc+pr.n])
		}
		return
	}
	st.runGemm(pr, kind)
}

func dotGenericKernelFor(dtype dtypes.DType) func(d *dotData, lhs, rhs, out any) {
	switch dtype {
	case dtypes.Float64:
		return dotGeneric[float64]
	case dtypes.Int32:
		return dotGeneric[int32]
	case dtypes.Int64:
		return dotGeneric[int64]
	case dtypes.Int8:
		return dotGeneric[int8]
	case dtypes.Int16:
		return dotGeneric[int16]
	case dtypes.Uint8:
		return dotGeneric[uint8]
	case dtypes.Uint16:
		return dotGeneric[uint16]
	case dtypes.Uint32:
		return dotGeneric[uint32]
	case dtypes.Uint64:
		return dotGeneric[uint64]
	}
	return nil
}

// dotGeneric is a simple (i, k, j) loop for the non-float32 dtypes, with operands in the normal layout.
func dotGeneric[T numeric](d *dotData, lhsAny, rhsAny, outAny any) {
	lhs, rhs, out := lhsAny.([]T), rhsAny.([]T), outAny.([]T)
	m, n, k := d.m, d.n, d.k
	for bi := range d.batch {
		a := lhs[bi*m*k : (bi+1)*m*k]
		b := rhs[bi*k*n : (bi+1)*k*n]
		c := out[bi*m*n : (bi+1)*m*n]
		for i := range m {
			row := c[i*n : (i+1)*n]
			clear(row)
			for p := range k {
				av := a[i*k+p]
				brow := b[p*n : (p+1)*n]
				for j, bv := range brow {
					row[j] += av * bv
				}
			}
		}
	}
}
