// AVX2 float32 elementwise loops, see elementwise_amd64.go.

#include "textflag.h"

// func VvAdd(x, y, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VvAdd(SB), NOSPLIT, $0-72
	MOVQ x_base+0(FP), SI
	MOVQ y_base+24(FP), DI
	MOVQ out_base+48(FP), DX
	MOVQ out_len+56(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS (DI), Y0, Y0
	VADDPS 32(DI), Y1, Y1
	VADDPS 64(DI), Y2, Y2
	VADDPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VsAdd(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VsAdd(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS Y4, Y0, Y0
	VADDPS Y4, Y1, Y1
	VADDPS Y4, Y2, Y2
	VADDPS Y4, Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VvSub(x, y, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VvSub(SB), NOSPLIT, $0-72
	MOVQ x_base+0(FP), SI
	MOVQ y_base+24(FP), DI
	MOVQ out_base+48(FP), DX
	MOVQ out_len+56(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VSUBPS (DI), Y0, Y0
	VSUBPS 32(DI), Y1, Y1
	VSUBPS 64(DI), Y2, Y2
	VSUBPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VsSub(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VsSub(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VSUBPS Y4, Y0, Y0
	VSUBPS Y4, Y1, Y1
	VSUBPS Y4, Y2, Y2
	VSUBPS Y4, Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VvMul(x, y, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VvMul(SB), NOSPLIT, $0-72
	MOVQ x_base+0(FP), SI
	MOVQ y_base+24(FP), DI
	MOVQ out_base+48(FP), DX
	MOVQ out_len+56(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS (DI), Y0, Y0
	VMULPS 32(DI), Y1, Y1
	VMULPS 64(DI), Y2, Y2
	VMULPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VsMul(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VsMul(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS Y4, Y0, Y0
	VMULPS Y4, Y1, Y1
	VMULPS Y4, Y2, Y2
	VMULPS Y4, Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VvDiv(x, y, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VvDiv(SB), NOSPLIT, $0-72
	MOVQ x_base+0(FP), SI
	MOVQ y_base+24(FP), DI
	MOVQ out_base+48(FP), DX
	MOVQ out_len+56(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VDIVPS (DI), Y0, Y0
	VDIVPS 32(DI), Y1, Y1
	VDIVPS 64(DI), Y2, Y2
	VDIVPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func VsDiv(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·VsDiv(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VDIVPS Y4, Y0, Y0
	VDIVPS Y4, Y1, Y1
	VDIVPS Y4, Y2, Y2
	VDIVPS Y4, Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func SvSub(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·SvSub(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VSUBPS Y0, Y4, Y0
	VSUBPS Y1, Y4, Y1
	VSUBPS Y2, Y4, Y2
	VSUBPS Y3, Y4, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func SvDiv(x []float32, s float32, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·SvDiv(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VDIVPS Y0, Y4, Y0
	VDIVPS Y1, Y4, Y1
	VDIVPS Y2, Y4, Y2
	VDIVPS Y3, Y4, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func Sqrt(x, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·Sqrt(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ out_base+24(FP), DX
	MOVQ out_len+32(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VSQRTPS (SI), Y0
	VSQRTPS 32(SI), Y1
	VSQRTPS 64(SI), Y2
	VSQRTPS 96(SI), Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

DATA signMaskF32<>+0(SB)/4, $0x80000000
GLOBL signMaskF32<>(SB), RODATA|NOPTR, $4
DATA oneF32<>+0(SB)/4, $0x3f800000
GLOBL oneF32<>(SB), RODATA|NOPTR, $4

// func Neg(x, out []float32) -- processes len(out) &^ 31 elements.
TEXT ·Neg(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ out_base+24(FP), DX
	MOVQ out_len+32(FP), CX
	VBROADCASTSS signMaskF32<>(SB), Y4
	SHRQ $5, CX
	JZ done
loop:
	VXORPS (SI), Y4, Y0
	VXORPS 32(SI), Y4, Y1
	VXORPS 64(SI), Y4, Y2
	VXORPS 96(SI), Y4, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func Sign(x, out []float32) -- processes len(out) &^ 31 elements: ±1 for non-zero values,
// 0 for ±0 and NaN: (x & signMask | 1.0) & (x != 0, ordered).
TEXT ·Sign(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ out_base+24(FP), DX
	MOVQ out_len+32(FP), CX
	VBROADCASTSS signMaskF32<>(SB), Y4
	VBROADCASTSS oneF32<>(SB), Y5
	VXORPS Y6, Y6, Y6
	SHRQ $3, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VCMPPS $0x0c, Y6, Y0, Y1
	VANDPS Y4, Y0, Y2
	VORPS Y5, Y2, Y2
	VANDPS Y1, Y2, Y2
	VMOVUPS Y2, (DX)
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func MaxVS(x []float32, s float32, out []float32) -- out = max(x, s) with Go's semantics for s >= +0:
// VMAXPS(s, x) returns x if either is NaN (so NaN propagates); adding +0 turns a -0 result (only possible
// from x = -0 with s = +0) into +0, which is Go's max(-0, +0).
TEXT ·MaxVS(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	VBROADCASTSS s+24(FP), Y4
	VXORPS Y5, Y5, Y5
	MOVQ out_base+32(FP), DX
	MOVQ out_len+40(FP), CX
	SHRQ $5, CX
	JZ done
loop:
	VMAXPS (SI), Y4, Y0
	VMAXPS 32(SI), Y4, Y1
	VMAXPS 64(SI), Y4, Y2
	VMAXPS 96(SI), Y4, Y3
	VADDPS Y5, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y5, Y2, Y2
	VADDPS Y5, Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func ColSum16(in []float32, out []float32) -- for len(out) == 16: out[j] += in[r*16+j] for all rows r, in order.
TEXT ·ColSum16(SB), NOSPLIT, $0-48
	MOVQ in_base+0(FP), SI
	MOVQ in_len+8(FP), CX
	MOVQ out_base+24(FP), DX
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	SHRQ $4, CX
	JZ done
loop:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	ADDQ $64, SI
	DECQ CX
	JNZ loop
done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func ColSum8(in []float32, out []float32) -- for len(out) == 8: out[j] += in[r*8+j] for all rows r, in order.
TEXT ·ColSum8(SB), NOSPLIT, $0-48
	MOVQ in_base+0(FP), SI
	MOVQ in_len+8(FP), CX
	MOVQ out_base+24(FP), DX
	VMOVUPS (DX), Y0
	SHRQ $3, CX
	JZ done
loop:
	VADDPS (SI), Y0, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ loop
done:
	VMOVUPS Y0, (DX)
	VZEROUPPER
	RET

// func ColSum32(in []float32, out []float32) -- for len(out) == 32: out[j] += in[r*32+j] for all rows r, in order.
TEXT ·ColSum32(SB), NOSPLIT, $0-48
	MOVQ in_base+0(FP), SI
	MOVQ in_len+8(FP), CX
	MOVQ out_base+24(FP), DX
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	SHRQ $5, CX
	JZ done
loop:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	DECQ CX
	JNZ loop
done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VZEROUPPER
	RET
