// Package vec holds the AVX2/FMA assembly float32 kernels of the cpu backend: elementwise loops, column sums,
// the 6×16 GEMM micro-kernel (Sgemm6x16) and the rank-1 update / weighted row sum kernels of the direct
// convolutions (Ger16/32, GemvT16/32).
//
// The elementwise functions process the largest multiple of their block size (Block, or SignBlock for Sign)
// that fits in len(out), and leave the rest to the caller; they compute exactly the values of the equivalent
// scalar Go loops (IEEE add, sub, mul, div and sqrt are correctly rounded both ways). All functions must only
// be called if HasAVX2 (and HasFMA for the FMA kernels) is true: on other platforms they panic.
package vec
