package cpu

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// windowPlan2 is a fast iteration plan for window ops (ReduceWindow, SelectAndScatter) whose window only covers
// a block of consecutive axes: the operand is seen as [outer, windowed axes..., inner], where the outer and inner
// axes have a window of 1, stride 1 and no padding. Each window position then combines whole rows of inner
// contiguous values.
type windowPlan2 struct {
	outer, inner int
	// Per windowed axis.
	inDims, outDims, window, strides, padLow, winDil []int
	inStrides                                        []int // In units of inner rows.
	outSpatial, windowSize                           int
}

// newWindowPlan2 returns the plan, or nil if the window op doesn't have that structure (or uses base dilations).
func newWindowPlan2(inDims, outDims, window, strides, padLow, padHigh, winDil, baseDil []int) *windowPlan2 {
	rank := len(inDims)
	trivial := func(a int) bool {
		return window[a] == 1 && strides[a] == 1 && padLow[a] == 0 && padHigh[a] == 0 && winDil[a] == 1
	}
	for a := range rank {
		if baseDil[a] != 1 {
			return nil
		}
	}
	first, last := 0, rank-1
	for first < rank && trivial(first) {
		first++
	}
	for last >= first && trivial(last) {
		last--
	}
	p := &windowPlan2{outer: 1, inner: 1, outSpatial: 1, windowSize: 1}
	for a := 0; a < first; a++ {
		p.outer *= inDims[a]
	}
	for a := last + 1; a < rank; a++ {
		p.inner *= inDims[a]
	}
	if first > last {
		// No window at all: treat the whole tensor as rows of inner values.
		return p
	}
	for a := first; a <= last; a++ {
		p.inDims = append(p.inDims, inDims[a])
		p.outDims = append(p.outDims, outDims[a])
		p.window = append(p.window, window[a])
		p.strides = append(p.strides, strides[a])
		p.padLow = append(p.padLow, padLow[a])
		p.winDil = append(p.winDil, winDil[a])
		p.outSpatial *= outDims[a]
		p.windowSize *= window[a]
	}
	p.inStrides = make([]int, len(p.inDims))
	s := 1
	for i := len(p.inDims) - 1; i >= 0; i-- {
		p.inStrides[i] = s
		s *= p.inDims[i]
	}
	if len(p.inDims) > maxBroadcastRank {
		return nil
	}
	return p
}

// inSpatial returns the number of input rows per outer index.
func (p *windowPlan2) inSpatial() int {
	n := 1
	for _, d := range p.inDims {
		n *= d
	}
	return n
}

// windowIter iterates over the output rows (outer index, output spatial index) of a windowPlan2, giving for
// each the input row offsets (in units of inner rows) of its valid window positions, in row-major window order.
type windowIter struct {
	p                *windowPlan2
	outIdx, winIdx   [maxBroadcastRank]int
	o, os, inSpatial int
	outRow           int
	taps             []int
	rows             []int
}

// newIter returns an iterator using rows (at least windowSize long) as scratch for the taps.
func (p *windowPlan2) newIter(rows []int) windowIter {
	return windowIter{p: p, inSpatial: p.inSpatial(), rows: rows, os: -1}
}

// next advances to the next output row: it returns false when done.
func (it *windowIter) next() bool {
	p := it.p
	w := len(p.inDims)
	if it.os >= 0 {
		for i := w - 1; i >= 0; i-- {
			it.outIdx[i]++
			if it.outIdx[i] < p.outDims[i] {
				break
			}
			it.outIdx[i] = 0
		}
	}
	it.os++
	if it.os == p.outSpatial {
		it.os = 0
		it.o++
	}
	if it.o >= p.outer {
		return false
	}
	for i := range w {
		it.winIdx[i] = 0
	}
	n := 0
	for range p.windowSize {
		off := 0
		valid := true
		for i := range w {
			pos := it.outIdx[i]*p.strides[i] - p.padLow[i] + it.winIdx[i]*p.winDil[i]
			if pos < 0 || pos >= p.inDims[i] {
				valid = false
				break
			}
			off += pos * p.inStrides[i]
		}
		if valid {
			it.rows[n] = it.o*it.inSpatial + off
			n++
		}
		for i := w - 1; i >= 0; i-- {
			it.winIdx[i]++
			if it.winIdx[i] < p.window[i] {
				break
			}
			it.winIdx[i] = 0
		}
	}
	it.outRow = it.o*p.outSpatial + it.os
	it.taps = it.rows[:n]
	return true
}

// reduceWindowRows is the fast ReduceWindow: the same operations, in the same order, as reduceWindowGeneric.
func reduceWindowRows[T numeric](st *execState, p *windowPlan2, kind int, inAny, outAny any) {
	in, out := inAny.([]T), outAny.([]T)
	c := p.inner
	init := reduceInit[T](kind)
	scratch := st.tmp(dtypes.Int64, max(p.windowSize, 1))
	rows := words[int](scratch.flat)
	if p.windowSize == 0 || len(p.inDims) == 0 {
		rows = rows[:1]
	}
	if len(p.inDims) == 0 {
		// No windowed axes: a copy.
		copy(out, in)
		st.release(scratch)
		return
	}
	it := p.newIter(rows)
	for it.next() {
		dst := out[it.outRow*c : (it.outRow+1)*c]
		for i := range dst {
			dst[i] = init
		}
		for _, r := range it.taps {
			combineSegment(kind, dst, in[r*c:(r+1)*c])
		}
	}
	st.release(scratch)
}

// selectAndScatterRows is the fast SelectAndScatter: for each window and inner position, the first maximum
// (or minimum) of the window gets the source value added, as selectAndScatterGeneric.
func selectAndScatterRows[T numeric](st *execState, p *windowPlan2, isMin bool, operandAny, sourceAny, outAny any) {
	operand, source, out := operandAny.([]T), sourceAny.([]T), outAny.([]T)
	clear(out)
	c := p.inner
	scratch := st.tmp(dtypes.Int64, max(p.windowSize, 1))
	rows := words[int](scratch.flat)
	bestBuf := st.tmp(dtypes.Int64, c)
	bestRow := words[int](bestBuf.flat)
	valBuf := st.tmp(dtypes.Float64, c)
	best := words[T](valBuf.flat)[:c] // Float64 storage is large enough for any T.
	it := p.newIter(rows)
	for it.next() {
		taps, outRow := it.taps, it.outRow
		if len(taps) == 0 {
			continue
		}
		first := taps[0]
		copy(best, operand[first*c:(first+1)*c])
		for i := range bestRow[:c] {
			bestRow[i] = first
		}
		for _, r := range taps[1:] {
			row := operand[r*c : (r+1)*c]
			if f32, ok := any(row).([]float32); ok {
				// Branch-free selection: the comparisons are unpredictable on real data.
				selectRowF32(any(best).([]float32), bestRow[:c], f32, r, isMin)
				continue
			}
			if isMin {
				for i, v := range row {
					if v < best[i] {
						best[i], bestRow[i] = v, r
					}
				}
			} else {
				for i, v := range row {
					if v > best[i] {
						best[i], bestRow[i] = v, r
					}
				}
			}
		}
		src := source[outRow*c : (outRow+1)*c]
		for i, v := range src {
			out[bestRow[i]*c+i] += v
		}
	}
	st.release(valBuf)
	st.release(bestBuf)
	st.release(scratch)
}

// selectRowF32 updates best/bestRow with row where row[i] > best[i] (or < for isMin), without branches.
func selectRowF32(best []float32, bestRow []int, row []float32, r int, isMin bool) {
	best = best[:len(row)]
	bestRow = bestRow[:len(row)]
	for i, x := range row {
		b := best[i]
		var m uint32
		if isMin {
			if x < b {
				m = 0xffff_ffff
			}
		} else if x > b {
			m = 0xffff_ffff
		}
		best[i] = math.Float32frombits(math.Float32bits(x)&m | math.Float32bits(b)&^m)
		mi := int(int32(m))
		bestRow[i] = r&mi | bestRow[i]&^mi
	}
}
