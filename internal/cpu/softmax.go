package cpu

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/exp-runner/exp/internal/cpu/internal/vec"
)

// fuseSoftmax recognizes, in Div(lhs, rhs), the float32 softmax over the last
// axis that graph.Softmax builds (and package grads' Softmax, which gives it
// a gradient reading only the output):
//
//	e = Exp(Sub(x, Reshape(ReduceMax(x, last))))   (Identity nodes allowed)
//	Div(e, Reshape(ReduceSum(e, last)))
//
// and returns one node computing it row by row from x (nil if the pattern
// does not apply). The nodes it replaces stay in the graph and run only if
// something else uses them (GoMLX's own softmax gradient reads e and the
// sum). The sum runs in another order than ReduceSum's: the result differs
// from the unfused ops' within float32 rounding.
func (b *Builder) fuseSoftmax(lhsOp, rhsOp backends.Op) *opNode {
	e, okE := lhsOp.(*opNode)
	den, okD := rhsOp.(*opNode)
	if !okE || !okD || e.builder != b || den.builder != b || e.opType != backends.OpTypeExp || e.fallback != nil {
		return nil
	}
	if e.shape.DType != dtypes.Float32 || e.shape.Rank() < 1 {
		return nil
	}
	n := e.shape.Dimensions[e.shape.Rank()-1]
	if n < 2 || !lastAxisReduce(stripReshapes(den), backends.OpTypeReduceSum, e, n) {
		return nil
	}
	sub := e.inputs[0]
	if sub.opType != backends.OpTypeSub || sub.fallback != nil || !sub.shape.Equal(e.shape) {
		return nil
	}
	x := sub.inputs[0]
	if !x.shape.Equal(e.shape) || !lastAxisReduce(stripReshapes(sub.inputs[1]), backends.OpTypeReduceMax, x, n) {
		return nil
	}
	node := b.newNode(backends.OpTypeDiv, e.shape, execSoftmax, x)
	node.data = n
	return node
}

// stripReshapes returns n without the Reshape and Identity nodes above it.
func stripReshapes(n *opNode) *opNode {
	for (n.opType == backends.OpTypeReshape || n.opType == backends.OpTypeIdentity) && n.fallback == nil && len(n.inputs) == 1 {
		n = n.inputs[0]
	}
	return n
}

// lastAxisReduce reports whether r is a native reduction of kind op of src
// over its last axis, of length n, only.
func lastAxisReduce(r *opNode, op backends.OpType, src *opNode, n int) bool {
	if r.opType != op || r.fallback != nil || len(r.inputs) != 1 || r.inputs[0] != src {
		return false
	}
	d, ok := r.data.(*reduceData)
	if !ok {
		return false
	}
	p := d.plan
	return len(p.dims) == 2 && !p.reduced[0] && p.reduced[1] && p.dims[1] == n ||
		len(p.dims) == 1 && p.reduced[0] && p.dims[0] == n
}

// softmaxRowsPerPart is the least number of rows each goroutine computes.
const softmaxRowsPerPart = 64

// execSoftmax computes the softmax of each row of the input (node.data: the
// row length), in parallel over rows.
func execSoftmax(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	out := st.outputReusing(n, ins, 0)
	j := &softmaxJob{x: ins[0].flat.([]float32), out: out.flat.([]float32), n: n.data.(int)}
	rows := len(j.x) / j.n
	st.b.workers.run(j, min(st.b.threads, max(rows/softmaxRowsPerPart, 1)), &st.wg)
	return out, nil
}

// softmaxJob is the softmax of the rows of x, of length n, into out (which
// may be x).
type softmaxJob struct {
	x, out []float32
	n      int
}

func (j *softmaxJob) runPart(part, numParts int) {
	rows := len(j.x) / j.n
	for r := rows * part / numParts; r < rows*(part+1)/numParts; r++ {
		softmaxRow(j.x[r*j.n:(r+1)*j.n], j.out[r*j.n:(r+1)*j.n])
	}
}

// softmaxRow sets out = exp(x − max x)/Σ exp(x − max x); out may be x.
func softmaxRow(x, out []float32) {
	asm := vec.HasAVX2 && vec.HasFMA && len(x) >= minAsmLen
	done := 0
	m := float32(math.Inf(-1))
	if asm {
		done = len(x) &^ (vec.Block - 1)
		m = vec.MaxF32(x)
	}
	for _, v := range x[done:] {
		m = max(m, v)
	}
	var sum float32
	if asm {
		vec.VsSub(x, m, out)
		vsSub0(x[done:], m, out[done:])
		expF32(out, out)
		sum = vec.SumF32(out)
	} else {
		vsSub0(x, m, out)
		unExp0(out, out)
	}
	for _, v := range out[done:] {
		sum += v
	}
	if asm {
		vec.VsDiv(out, sum, out)
	}
	vsDiv0(out[done:], sum, out[done:])
}
