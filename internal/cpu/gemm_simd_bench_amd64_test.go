//go:build goexperiment.simd && amd64

package cpu

func simdKernelAVX2Bench() *packedKernel { return simdKernelAVX2() }
