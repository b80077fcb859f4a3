package cpu

import "github.com/gomlx/gomlx/backends"

// Vectorized float32 elementwise loops: when the CPU has AVX2, elementwise_vec.go fills the maps below with
// loops that call the assembly of package internal/vec, which compute exactly the same values as the
// generated Go loops (IEEE add, sub, mul, div and sqrt are correctly rounded in both). The generated
// dispatch (gen_elementwise.go) passes every float32 loop through overrideFloat32Binary/Unary.

// float32BinaryOverrides and float32UnaryOverrides hold the vectorized loops, when available.
var (
	float32BinaryOverrides = map[backends.OpType]binaryLoops[float32, float32]{}
	float32UnaryOverrides  = map[backends.OpType]func(x, out []float32){}
)

func overrideFloat32Binary(opType backends.OpType, loops binaryLoops[float32, float32]) binaryLoops[float32, float32] {
	o, ok := float32BinaryOverrides[opType]
	if !ok {
		return loops
	}
	if o.vv != nil {
		loops.vv = o.vv
	}
	if o.vs != nil {
		loops.vs = o.vs
	}
	if o.sv != nil {
		loops.sv = o.sv
	}
	if o.rowR != nil {
		loops.rowR, loops.rowL, loops.colR, loops.colL = o.rowR, o.rowL, o.colR, o.colL
	}
	return loops
}

func overrideFloat32Unary(opType backends.OpType, fn func(x, out []float32)) func(x, out []float32) {
	if o, ok := float32UnaryOverrides[opType]; ok {
		return o
	}
	return fn
}
