//go:build goexperiment.simd && amd64

package cpu

import (
	"simd/archsimd"
)

// The SIMD micro-kernels need GOEXPERIMENT=simd (Go 1.26). They are register-tiled FMA kernels over
// packed panels: each step of k broadcasts 4 values of A and multiplies them by 16 (AVX2) or 32
// (AVX-512) values of B, accumulating a 4×16 or 4×32 tile in 8 vector registers. Larger tiles
// (6×16, 8×32, ...) were measured slower: Go's register allocator only uses 16 vector registers
// and spills their accumulators.

func init() {
	switch {
	case archsimd.X86.AVX512():
		simdKernel = &packedKernel{name: "simd-avx512", mr: 4, nr: 32, micro: simdMicro4x32}
	case archsimd.X86.AVX2() && archsimd.X86.FMA():
		simdKernel = &packedKernel{name: "simd-avx2", mr: 4, nr: 16, micro: simdMicro4x16}
	}
}

// simdKernelAVX2 returns the AVX2 kernel if the CPU supports it (used by benchmarks on AVX-512 machines).
func simdKernelAVX2() *packedKernel {
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		return &packedKernel{name: "simd-avx2", mr: 4, nr: 16, micro: simdMicro4x16}
	}
	return nil
}

func storeRow8(row []float32, v archsimd.Float32x8, accumulate bool) {
	row = row[:8]
	if accumulate {
		v = v.Add(archsimd.LoadFloat32x8Slice(row))
	}
	v.StoreSlice(row)
}

func storeRow16(row []float32, v archsimd.Float32x16, accumulate bool) {
	row = row[:16]
	if accumulate {
		v = v.Add(archsimd.LoadFloat32x16Slice(row))
	}
	v.StoreSlice(row)
}

func simdMicro4x16(kc int, ap, bp, c []float32, ldc int, accumulate bool) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
	ap = ap[:kc*4]
	bp = bp[:kc*16]
	for p := range kc {
		b := bp[p*16 : p*16+16 : p*16+16]
		b0 := archsimd.LoadFloat32x8Slice(b[0:8])
		b1 := archsimd.LoadFloat32x8Slice(b[8:16])
		a := ap[p*4 : p*4+4 : p*4+4]
		a0 := archsimd.BroadcastFloat32x8(a[0])
		c00 = a0.MulAdd(b0, c00)
		c01 = a0.MulAdd(b1, c01)
		a1 := archsimd.BroadcastFloat32x8(a[1])
		c10 = a1.MulAdd(b0, c10)
		c11 = a1.MulAdd(b1, c11)
		a2 := archsimd.BroadcastFloat32x8(a[2])
		c20 = a2.MulAdd(b0, c20)
		c21 = a2.MulAdd(b1, c21)
		a3 := archsimd.BroadcastFloat32x8(a[3])
		c30 = a3.MulAdd(b0, c30)
		c31 = a3.MulAdd(b1, c31)
	}
	{
		row := c[0 : 0+16]
		storeRow8(row[0:8], c00, accumulate)
		storeRow8(row[8:16], c01, accumulate)
	}
	{
		row := c[ldc : ldc+16]
		storeRow8(row[0:8], c10, accumulate)
		storeRow8(row[8:16], c11, accumulate)
	}
	{
		row := c[2*ldc : 2*ldc+16]
		storeRow8(row[0:8], c20, accumulate)
		storeRow8(row[8:16], c21, accumulate)
	}
	{
		row := c[3*ldc : 3*ldc+16]
		storeRow8(row[0:8], c30, accumulate)
		storeRow8(row[8:16], c31, accumulate)
	}
}

func simdMicro4x32(kc int, ap, bp, c []float32, ldc int, accumulate bool) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x16
	ap = ap[:kc*4]
	bp = bp[:kc*32]
	for p := range kc {
		b := bp[p*32 : p*32+32 : p*32+32]
		b0 := archsimd.LoadFloat32x16Slice(b[0:16])
		b1 := archsimd.LoadFloat32x16Slice(b[16:32])
		a := ap[p*4 : p*4+4 : p*4+4]
		a0 := archsimd.BroadcastFloat32x16(a[0])
		c00 = a0.MulAdd(b0, c00)
		c01 = a0.MulAdd(b1, c01)
		a1 := archsimd.BroadcastFloat32x16(a[1])
		c10 = a1.MulAdd(b0, c10)
		c11 = a1.MulAdd(b1, c11)
		a2 := archsimd.BroadcastFloat32x16(a[2])
		c20 = a2.MulAdd(b0, c20)
		c21 = a2.MulAdd(b1, c21)
		a3 := archsimd.BroadcastFloat32x16(a[3])
		c30 = a3.MulAdd(b0, c30)
		c31 = a3.MulAdd(b1, c31)
	}
	{
		row := c[0 : 0+32]
		storeRow16(row[0:16], c00, accumulate)
		storeRow16(row[16:32], c01, accumulate)
	}
	{
		row := c[ldc : ldc+32]
		storeRow16(row[0:16], c10, accumulate)
		storeRow16(row[16:32], c11, accumulate)
	}
	{
		row := c[2*ldc : 2*ldc+32]
		storeRow16(row[0:16], c20, accumulate)
		storeRow16(row[16:32], c21, accumulate)
	}
	{
		row := c[3*ldc : 3*ldc+32]
		storeRow16(row[0:16], c30, accumulate)
		storeRow16(row[16:32], c31, accumulate)
	}
}
