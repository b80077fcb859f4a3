package cpu

import (
	"math"
	"sync"

	"github.com/exp-runner/exp/internal/cpu/internal/vec"
	"github.com/gomlx/gomlx/backends"
)

// The hottest float32 elementwise loops use the AVX2 assembly of package vec when available: it processes the
// largest multiple of its block of elements, the Go loops do the rest. Both compute exactly the same values.

// minAsmLen is the minimum length for which the assembly loops are used.
const minAsmLen = 64

func asmVV(asm func(x, y, out []float32), scalar func(x, y, out []float32)) func(x, y, out []float32) {
	return func(x, y, out []float32) {
		n := len(x)
		if n < minAsmLen {
			scalar(x, y, out)
			return
		}
		out = out[:n]
		y = y[:n]
		asm(x, y, out)
		done := n &^ (vec.Block - 1)
		scalar(x[done:], y[done:], out[done:])
	}
}

func asmVS(asm func(x []float32, s float32, out []float32), scalar func(x []float32, s float32, out []float32)) func(x []float32, s float32, out []float32) {
	return func(x []float32, s float32, out []float32) {
		n := len(x)
		if n < minAsmLen {
			scalar(x, s, out)
			return
		}
		out = out[:n]
		asm(x, s, out)
		done := n &^ (vec.Block - 1)
		scalar(x[done:], s, out[done:])
	}
}

func asmSV(asm func(x []float32, s float32, out []float32), scalar func(s float32, y, out []float32)) func(s float32, y, out []float32) {
	return func(s float32, y, out []float32) {
		n := len(y)
		if n < minAsmLen {
			scalar(s, y, out)
			return
		}
		out = out[:n]
		asm(y, s, out)
		done := n &^ (vec.Block - 1)
		scalar(s, y[done:], out[done:])
	}
}

func asmUnary(asm func(x, out []float32), scalar func(x, out []float32), block int) func(x, out []float32) {
	return func(x, out []float32) {
		n := len(x)
		if n < minAsmLen {
			scalar(x, out)
			return
		}
		out = out[:n]
		asm(x, out)
		done := n &^ (block - 1)
		scalar(x[done:], out[done:])
	}
}

// maxVS uses the assembly loop when s >= +0 (its semantics match Go's max only then).
func maxVS(x []float32, s float32, out []float32) {
	if len(x) < minAsmLen || !(s > 0 || math.Float32bits(s) == 0) {
		vsMax0(x, s, out)
		return
	}
	out = out[:len(x)]
	vec.MaxVS(x, s, out)
	done := len(x) &^ (vec.Block - 1)
	vsMax0(x[done:], s, out[done:])
}

// rowTile is the length of the tiles used to vectorize row broadcasting.
const rowTile = 1024

// rowTilePool holds the tiles (they would escape to the heap if allocated on the stack).
var rowTilePool = sync.Pool{New: func() any { return new([rowTile]float32) }}

// asmRow vectorizes the [rows, p] row-broadcasting loops (one operand is a [p] row repeated): with long rows,
// row by row; with short rows, the row is first repeated into a tile of whole rows.
func asmRow(vv func(x, y, out []float32), scalar func(x, y, out []float32), rowIsLhs bool) func(x, y, out []float32) {
	return func(x, y, out []float32) {
		row, full := y, x
		if rowIsLhs {
			row, full = x, y
		}
		p := len(row)
		if len(full) < minAsmLen || p == 0 || (p < minAsmLen && p > rowTile/4) {
			scalar(x, y, out)
			return
		}
		out = out[:len(full)]
		if p >= minAsmLen {
			for base := 0; base+p <= len(full); base += p {
				if rowIsLhs {
					vv(row, full[base:base+p], out[base:base+p])
				} else {
					vv(full[base:base+p], row, out[base:base+p])
				}
			}
			return
		}
		tileArr := rowTilePool.Get().(*[rowTile]float32)
		defer rowTilePool.Put(tileArr)
		tileLen := rowTile / p * p
		tile := tileArr[:tileLen]
		for i := 0; i < tileLen; i += p {
			copy(tile[i:i+p], row)
		}
		for base := 0; base < len(full); base += tileLen {
			end := min(base+tileLen, len(full))
			t := tile[:end-base]
			if rowIsLhs {
				vv(t, full[base:end], out[base:end])
			} else {
				vv(full[base:end], t, out[base:end])
			}
		}
	}
}

// asmCol vectorizes the [rows, p] column-broadcasting loops (one operand has a value per row), for long rows.
func asmCol(vs func(x []float32, s float32, out []float32), sv func(s float32, y, out []float32),
	scalar func(x, y, out []float32), colIsLhs bool) func(x, y, out []float32) {
	return func(x, y, out []float32) {
		col, full := y, x
		if colIsLhs {
			col, full = x, y
		}
		if len(col) == 0 || len(full)/len(col) < minAsmLen {
			scalar(x, y, out)
			return
		}
		p := len(full) / len(col)
		out = out[:len(full)]
		for r, c := range col {
			if colIsLhs {
				sv(c, full[r*p:(r+1)*p], out[r*p:(r+1)*p])
			} else {
				vs(full[r*p:(r+1)*p], c, out[r*p:(r+1)*p])
			}
		}
	}
}

// colSumFor returns the vectorized column sum for rows of p values, or nil.
func colSumFor(p int) func(in, out []float32) {
	if !vec.HasAVX2 {
		return nil
	}
	switch p {
	case 8:
		return vec.ColSum8
	case 16:
		return vec.ColSum16
	case 32:
		return vec.ColSum32
	}
	return nil
}

// commuteSV turns a vector-scalar loop into a scalar-vector one, for commutative ops.
func commuteSV(vs func(x []float32, s float32, out []float32)) func(s float32, y, out []float32) {
	return func(s float32, y, out []float32) { vs(y, s, out) }
}

func init() {
	if !vec.HasAVX2 {
		return
	}
	type asmOp struct {
		op               backends.OpType
		vv               func(x, y, out []float32)
		vs               func(x []float32, s float32, out []float32)
		sv               func(s float32, y, out []float32)
		rowR, rowL, colR func(x, y, out []float32)
		colL             func(x, y, out []float32)
		scalarVV         func(x, y, out []float32)
		scalarVS         func(x []float32, s float32, out []float32)
		scalarSV         func(s float32, y, out []float32)
	}
	add := asmVS(vec.VsAdd, vsAdd0[float32])
	mul := asmVS(vec.VsMul, vsMul0[float32])
	ops := []asmOp{
		{op: backends.OpTypeAdd, vv: asmVV(vec.VvAdd, vvAdd0[float32]), vs: add, sv: commuteSV(add),
			rowR: rowRAdd0[float32], rowL: rowLAdd0[float32], colR: colRAdd0[float32], colL: colLAdd0[float32]},
		{op: backends.OpTypeMul, vv: asmVV(vec.VvMul, vvMul0[float32]), vs: mul, sv: commuteSV(mul),
			rowR: rowRMul0[float32], rowL: rowLMul0[float32], colR: colRMul0[float32], colL: colLMul0[float32]},
		{op: backends.OpTypeSub, vv: asmVV(vec.VvSub, vvSub0[float32]), vs: asmVS(vec.VsSub, vsSub0[float32]),
			sv:   asmSV(vec.SvSub, svSub0[float32]),
			rowR: rowRSub0[float32], rowL: rowLSub0[float32], colR: colRSub0[float32], colL: colLSub0[float32]},
		{op: backends.OpTypeDiv, vv: asmVV(vec.VvDiv, vvDiv0[float32]), vs: asmVS(vec.VsDiv, vsDiv0[float32]),
			sv:   asmSV(vec.SvDiv, svDiv0[float32]),
			rowR: rowRDiv0[float32], rowL: rowLDiv0[float32], colR: colRDiv0[float32], colL: colLDiv0[float32]},
	}
	for _, o := range ops {
		float32BinaryOverrides[o.op] = binaryLoops[float32, float32]{
			vv: o.vv, vs: o.vs, sv: o.sv,
			rowR: asmRow(o.vv, o.rowR, false),
			rowL: asmRow(o.vv, o.rowL, true),
			colR: asmCol(o.vs, o.sv, o.colR, false),
			colL: asmCol(o.vs, o.sv, o.colL, true),
		}
	}
	float32BinaryOverrides[backends.OpTypeMax] = binaryLoops[float32, float32]{
		vs: maxVS, sv: func(s float32, y, out []float32) { maxVS(y, s, out) }}
	float32UnaryOverrides[backends.OpTypeSqrt] = asmUnary(vec.Sqrt, unSqrt0[float32], vec.Block)
	float32UnaryOverrides[backends.OpTypeNeg] = asmUnary(vec.Neg, unNeg0[float32], vec.Block)
	float32UnaryOverrides[backends.OpTypeSign] = asmUnary(vec.Sign, unSign1[float32], vec.SignBlock)
}
