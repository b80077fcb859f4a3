package cpu

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// SelectAndScatterMax implements backends.Builder (natively: simplego doesn't support it). It's the
// gradient of a max-pooling: for each window of the operand, the source value is added to the position of the
// window's maximum (the first one, in row-major window order, in case of ties).
func (b *Builder) SelectAndScatterMax(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMax, operand, source, windowDimensions, windowStrides, paddings)
}

// SelectAndScatterMin implements backends.Builder (natively: simplego doesn't support it), like
// SelectAndScatterMax, but selecting the minimum.
func (b *Builder) SelectAndScatterMin(operand, source backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMin, operand, source, windowDimensions, windowStrides, paddings)
}

type selectScatterData struct {
	isMin                              bool
	inDims, inStrides, window, strides []int
	padLow, srcDims                    []int
	kernel                             func(d *selectScatterData, operand, source, out any)
	// rows and rowsKernel are the fast path, for windows over a block of consecutive axes.
	rows       *windowPlan2
	rowsKernel func(st *execState, p *windowPlan2, isMin bool, operand, source, out any)
}

func (b *Builder) selectAndScatter(opType backends.OpType, operandOp, sourceOp backends.Op, windowDimensions, windowStrides []int, paddings [][2]int) (backends.Op, error) {
	nodes, err := b.checkOps(opType.String(), operandOp, sourceOp)
	if err != nil {
		return nil, err
	}
	operand, source := nodes[0], nodes[1]
	rank := operand.shape.Rank()
	if operand.shape.DType != source.shape.DType {
		return nil, fmt.Errorf("%s: operand %s and source %s dtypes differ", opType, operand.shape, source.shape)
	}
	if len(windowDimensions) != rank || (len(windowStrides) != 0 && len(windowStrides) != rank) ||
		(len(paddings) != 0 && len(paddings) != rank) || source.shape.Rank() != rank {
		return nil, fmt.Errorf("%s: window/strides/paddings/source must match the operand rank %d", opType, rank)
	}
	d := &selectScatterData{
		isMin:     opType == backends.OpTypeSelectAndScatterMin,
		inDims:    slices.Clone(operand.shape.Dimensions),
		inStrides: rowMajorStrides(operand.shape.Dimensions),
		window:    slices.Clone(windowDimensions),
		strides:   make([]int, rank),
		padLow:    make([]int, rank),
		srcDims:   slices.Clone(source.shape.Dimensions),
	}
	for axis := range rank {
		d.strides[axis] = windowDimensions[axis]
		if len(windowStrides) > 0 {
			d.strides[axis] = windowStrides[axis]
		}
		var pad [2]int
		if len(paddings) > 0 {
			pad = paddings[axis]
		}
		d.padLow[axis] = pad[0]
		want := (operand.shape.Dimensions[axis]+pad[0]+pad[1]-windowDimensions[axis])/d.strides[axis] + 1
		if d.strides[axis] < 1 || want != source.shape.Dimensions[axis] {
			return nil, fmt.Errorf("%s: source shape %s doesn't match the windows over operand %s", opType, source.shape, operand.shape)
		}
	}
	ones := make([]int, rank)
	padHigh := make([]int, rank)
	for axis := range rank {
		ones[axis] = 1
		if len(paddings) > 0 {
			padHigh[axis] = paddings[axis][1]
		}
	}
	d.rows = newWindowPlan2(d.inDims, d.srcDims, d.window, d.strides, d.padLow, padHigh, ones, ones)
	switch operand.shape.DType {
	case dtypes.Float32:
		d.kernel = selectAndScatterGeneric[float32]
		d.rowsKernel = selectAndScatterRows[float32]
	case dtypes.Float64:
		d.kernel = selectAndScatterGeneric[float64]
		d.rowsKernel = selectAndScatterRows[float64]
	case dtypes.Int32:
		d.kernel = selectAndScatterGeneric[int32]
		d.rowsKernel = selectAndScatterRows[int32]
	case dtypes.Int64:
		d.kernel = selectAndScatterGeneric[int64]
		d.rowsKernel = selectAndScatterRows[int64]
	default:
		return nil, fmt.Errorf("%s: dtype %s not supported", opType, operand.shape.DType)
	}
	n := b.newNode(opType, operand.shape.Clone(), execSelectAndScatter, operand, source)
	n.data = d
	return n, nil
}

func execSelectAndScatter(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*selectScatterData)
	out := st.newBuf(n.shape)
	if d.rows != nil && len(d.rows.inDims) > 0 {
		d.rowsKernel(st, d.rows, d.isMin, ins[0].flat, ins[1].flat, out.flat)
		return out, nil
	}
	d.kernel(d, ins[0].flat, ins[1].flat, out.flat)
	return out, nil
}

func selectAndScatterGeneric[T numeric](d *selectScatterData, operandAny, sourceAny, outAny any) {
	operand, source, out := operandAny.([]T), sourceAny.([]T), outAny.([]T)
	clear(out)
	rank := len(d.inDims)
	if rank > maxBroadcastRank {
		panic(fmt.Sprintf("SelectAndScatter: rank %d not supported", rank))
	}
	var srcIdxArr, winIdxArr [maxBroadcastRank]int
	srcIdx, winIdx := srcIdxArr[:rank], winIdxArr[:rank]
	windowSize := 1
	for _, w := range d.window {
		windowSize *= w
	}
	for s := range source {
		best, bestFlat := T(0), -1
		clear(winIdx)
		for range windowSize {
			flat := 0
			valid := true
			for axis := range rank {
				pos := srcIdx[axis]*d.strides[axis] - d.padLow[axis] + winIdx[axis]
				if pos < 0 || pos >= d.inDims[axis] {
					valid = false
					break
				}
				flat += pos * d.inStrides[axis]
			}
			if valid {
				v := operand[flat]
				if bestFlat < 0 || (!d.isMin && v > best) || (d.isMin && v < best) {
					best, bestFlat = v, flat
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
		if bestFlat >= 0 {
			out[bestFlat] += source[s]
		}
		for axis := rank - 1; axis >= 0; axis-- {
			srcIdx[axis]++
			if srcIdx[axis] < d.srcDims[axis] {
				break
			}
			srcIdx[axis] = 0
		}
	}
}
