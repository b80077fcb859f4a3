package cpu

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// fuseMulReduceSum rewrites ReduceSum(Mul(a, b), axes), where a and b are broadcast along different axes, as a
// matrix product: it's how GoMLX's stock gradient of Dot/DotGeneral is expressed (a broadcast [i, j, k]
// product reduced over one axis), which would otherwise materialize a large intermediate tensor.
//
// It returns nil if the pattern doesn't apply or isn't a real matrix product (M, N and K of at least 4). The Mul
// node is left in the graph: it's only executed if something else uses it.
func (b *Builder) fuseMulReduceSum(x *opNode, axes []int, outShape shapes.Shape) backends.Op {
	if x.opType != backends.OpTypeMul || x.fallback != nil {
		return nil
	}
	bd, ok := x.data.(*binaryData)
	if !ok || bd.lhsStrides == nil || bd.rhsStrides == nil {
		return nil
	}
	dims := x.shape.Dimensions
	isReduced := make([]bool, len(dims))
	for _, a := range axes {
		isReduced[a] = true
	}
	var batchAxes, lhsCross, rhsCross, contracting []int
	m, n, k := 1, 1, 1
	for a, d := range dims {
		if d == 1 {
			continue
		}
		inL, inR := bd.lhsStrides[a] != 0, bd.rhsStrides[a] != 0
		switch {
		case isReduced[a] && inL && inR:
			contracting = append(contracting, a)
			k *= d
		case isReduced[a] || (!inL && !inR):
			return nil
		case inL && inR:
			batchAxes = append(batchAxes, a)
		case inL:
			lhsCross = append(lhsCross, a)
			m *= d
		default:
			rhsCross = append(rhsCross, a)
			n *= d
		}
	}
	if m < 4 || n < 4 || k < 4 {
		return nil
	}
	lhs, rhs := x.inputs[0], x.inputs[1]
	lhsShape, lhsPos := virtualShape(lhs, dims, bd.lhsStrides)
	rhsShape, rhsPos := virtualShape(rhs, dims, bd.rhsStrides)
	if lhsPos == nil || rhsPos == nil {
		return nil
	}
	mapAxes := func(pos map[int]int, axes []int) []int {
		out := make([]int, len(axes))
		for i, a := range axes {
			out[i] = pos[a]
		}
		return out
	}
	d, dotShape, err := b.planDotGeneral(lhsShape, mapAxes(lhsPos, contracting), mapAxes(lhsPos, batchAxes),
		rhsShape, mapAxes(rhsPos, contracting), mapAxes(rhsPos, batchAxes))
	if err != nil || d == nil {
		return nil
	}
	dot := b.newNode(backends.OpTypeDotGeneral, dotShape, execDotGeneral, lhs, rhs)
	dot.data = d

	// The product's axes: batch, then each side's cross axes in memory order. Transpose them to the Mul's
	// order if needed, then reshape to restore the kept axes of dimension 1.
	sortByPos := func(axes []int, pos map[int]int) []int {
		axes = slices.Clone(axes)
		slices.SortFunc(axes, func(a, b int) int { return pos[a] - pos[b] })
		return axes
	}
	dotAxes := concatAxes(batchAxes, sortByPos(lhsCross, lhsPos), sortByPos(rhsCross, rhsPos))
	wanted := slices.Clone(dotAxes)
	slices.Sort(wanted)
	var result backends.Op = dot
	if !slices.Equal(dotAxes, wanted) {
		perm := make([]int, len(wanted))
		for i, a := range wanted {
			perm[i] = slices.Index(dotAxes, a)
		}
		if result, err = b.Transpose(dot, perm...); err != nil {
			return nil
		}
	}
	if result, err = b.Reshape(result, outShape.Dimensions...); err != nil {
		return nil
	}
	return result
}

// virtualShape describes the source of a broadcast operand as a row-major tensor of its non-broadcast axes:
// it returns that shape and the position in it of each (Mul output) axis, or nil if the strides aren't a
// row-major layout of the whole source.
func virtualShape(src *opNode, dims, strides []int) (shapes.Shape, map[int]int) {
	var axes []int
	for a, d := range dims {
		if d != 1 && strides[a] != 0 {
			axes = append(axes, a)
		}
	}
	slices.SortStableFunc(axes, func(a, b int) int { return strides[b] - strides[a] })
	size := 1
	vdims := make([]int, len(axes))
	pos := make(map[int]int, len(axes))
	for i := len(axes) - 1; i >= 0; i-- {
		a := axes[i]
		if strides[a] != size {
			return shapes.Invalid(), nil
		}
		size *= dims[a]
		vdims[i] = dims[a]
		pos[a] = i
	}
	if size != src.shape.Size() {
		return shapes.Invalid(), nil
	}
	return shapes.Make(src.shape.DType, vdims...), pos
}
