#include "textflag.h"

// func Ger16(a []float32, aStride int, w []float32, c []float32)
// For each row r of c (rows of 16 values): c[r] += a[r*aStride] * w[0:16].
TEXT ·Ger16(SB), NOSPLIT, $0-80
	MOVQ a_base+0(FP), SI
	MOVQ aStride+24(FP), R8
	SHLQ $2, R8
	MOVQ w_base+32(FP), DI
	MOVQ c_base+56(FP), DX
	MOVQ c_len+64(FP), CX
	SHRQ $4, CX
	JZ done
	VMOVUPS (DI), Y4
	VMOVUPS 32(DI), Y5
loop:
	VBROADCASTSS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS 32(DX), Y2
	VFMADD231PS Y4, Y0, Y1
	VFMADD231PS Y5, Y0, Y2
	VMOVUPS Y1, (DX)
	VMOVUPS Y2, 32(DX)
	ADDQ R8, SI
	ADDQ $64, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func Ger32(a []float32, aStride int, w []float32, c []float32)
// For each row r of c (rows of 32 values): c[r] += a[r*aStride] * w[0:32].
TEXT ·Ger32(SB), NOSPLIT, $0-80
	MOVQ a_base+0(FP), SI
	MOVQ aStride+24(FP), R8
	SHLQ $2, R8
	MOVQ w_base+32(FP), DI
	MOVQ c_base+56(FP), DX
	MOVQ c_len+64(FP), CX
	SHRQ $5, CX
	JZ done
	VMOVUPS (DI), Y4
	VMOVUPS 32(DI), Y5
	VMOVUPS 64(DI), Y6
	VMOVUPS 96(DI), Y7
loop:
	VBROADCASTSS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS 32(DX), Y2
	VMOVUPS 64(DX), Y3
	VMOVUPS 96(DX), Y8
	VFMADD231PS Y4, Y0, Y1
	VFMADD231PS Y5, Y0, Y2
	VFMADD231PS Y6, Y0, Y3
	VFMADD231PS Y7, Y0, Y8
	VMOVUPS Y1, (DX)
	VMOVUPS Y2, 32(DX)
	VMOVUPS Y3, 64(DX)
	VMOVUPS Y8, 96(DX)
	ADDQ R8, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func GemvT16(a []float32, aStride int, c []float32, acc []float32)
// acc[0:16] += sum over the rows r of c (rows of 16 values) of a[r*aStride] * c[r], with the even and odd
// rows accumulated separately, then added.
TEXT ·GemvT16(SB), NOSPLIT, $0-80
	MOVQ a_base+0(FP), SI
	MOVQ aStride+24(FP), R8
	SHLQ $2, R8
	MOVQ c_base+32(FP), DX
	MOVQ c_len+40(FP), CX
	MOVQ acc_base+56(FP), DI
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	SHRQ $4, CX
	MOVQ CX, R9
	SHRQ $1, CX
	JZ tail
loop:
	VBROADCASTSS (SI), Y0
	VFMADD231PS (DX), Y0, Y1
	VFMADD231PS 32(DX), Y0, Y2
	ADDQ R8, SI
	VBROADCASTSS (SI), Y5
	VFMADD231PS 64(DX), Y5, Y3
	VFMADD231PS 96(DX), Y5, Y4
	ADDQ R8, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
tail:
	ANDQ $1, R9
	JZ done
	VBROADCASTSS (SI), Y0
	VFMADD231PS (DX), Y0, Y1
	VFMADD231PS 32(DX), Y0, Y2
done:
	VADDPS Y3, Y1, Y1
	VADDPS Y4, Y2, Y2
	VADDPS (DI), Y1, Y1
	VADDPS 32(DI), Y2, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VZEROUPPER
	RET

// func GemvT32(a []float32, aStride int, c []float32, acc []float32)
// acc[0:32] += sum over the rows r of c (rows of 32 values) of a[r*aStride] * c[r].
TEXT ·GemvT32(SB), NOSPLIT, $0-80
	MOVQ a_base+0(FP), SI
	MOVQ aStride+24(FP), R8
	SHLQ $2, R8
	MOVQ c_base+32(FP), DX
	MOVQ c_len+40(FP), CX
	MOVQ acc_base+56(FP), DI
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	SHRQ $5, CX
	JZ done
loop:
	VBROADCASTSS (SI), Y0
	VFMADD231PS (DX), Y0, Y1
	VFMADD231PS 32(DX), Y0, Y2
	VFMADD231PS 64(DX), Y0, Y3
	VFMADD231PS 96(DX), Y0, Y4
	ADDQ R8, SI
	ADDQ $128, DX
	DECQ CX
	JNZ loop
done:
	VADDPS (DI), Y1, Y1
	VADDPS 32(DI), Y2, Y2
	VADDPS 64(DI), Y3, Y3
	VADDPS 96(DI), Y4, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	VZEROUPPER
	RET
