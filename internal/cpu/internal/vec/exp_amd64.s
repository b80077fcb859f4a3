// AVX2/FMA float32 exponential, exactly float32(math.Exp(float64(x))); see exp_amd64.go.

#include "textflag.h"

// expTab holds the constants of ExpF32, each in 4 lanes of 8 bytes: log2(e),
// ln(2) split in a high and a low part, the range [-87, 88] of the fast path,
// 1 and the Taylor coefficients 1/k! (k = 2…10), the exponent bias, the mask
// of the 29 mantissa bits a float32 drops and the window of 2^14 around their
// rounding midpoint 2^28.
DATA expTab<>+0(SB)/8, $1.4426950408889634
DATA expTab<>+8(SB)/8, $1.4426950408889634
DATA expTab<>+16(SB)/8, $1.4426950408889634
DATA expTab<>+24(SB)/8, $1.4426950408889634
DATA expTab<>+32(SB)/8, $6.93147180369123816490e-01
DATA expTab<>+40(SB)/8, $6.93147180369123816490e-01
DATA expTab<>+48(SB)/8, $6.93147180369123816490e-01
DATA expTab<>+56(SB)/8, $6.93147180369123816490e-01
DATA expTab<>+64(SB)/8, $1.90821492927058770002e-10
DATA expTab<>+72(SB)/8, $1.90821492927058770002e-10
DATA expTab<>+80(SB)/8, $1.90821492927058770002e-10
DATA expTab<>+88(SB)/8, $1.90821492927058770002e-10
DATA expTab<>+96(SB)/8, $-87.0
DATA expTab<>+104(SB)/8, $-87.0
DATA expTab<>+112(SB)/8, $-87.0
DATA expTab<>+120(SB)/8, $-87.0
DATA expTab<>+128(SB)/8, $88.0
DATA expTab<>+136(SB)/8, $88.0
DATA expTab<>+144(SB)/8, $88.0
DATA expTab<>+152(SB)/8, $88.0
DATA expTab<>+160(SB)/8, $1.0
DATA expTab<>+168(SB)/8, $1.0
DATA expTab<>+176(SB)/8, $1.0
DATA expTab<>+184(SB)/8, $1.0
DATA expTab<>+192(SB)/8, $0.5
DATA expTab<>+200(SB)/8, $0.5
DATA expTab<>+208(SB)/8, $0.5
DATA expTab<>+216(SB)/8, $0.5
DATA expTab<>+224(SB)/8, $0.16666666666666666
DATA expTab<>+232(SB)/8, $0.16666666666666666
DATA expTab<>+240(SB)/8, $0.16666666666666666
DATA expTab<>+248(SB)/8, $0.16666666666666666
DATA expTab<>+256(SB)/8, $0.041666666666666664
DATA expTab<>+264(SB)/8, $0.041666666666666664
DATA expTab<>+272(SB)/8, $0.041666666666666664
DATA expTab<>+280(SB)/8, $0.041666666666666664
DATA expTab<>+288(SB)/8, $0.008333333333333333
DATA expTab<>+296(SB)/8, $0.008333333333333333
DATA expTab<>+304(SB)/8, $0.008333333333333333
DATA expTab<>+312(SB)/8, $0.008333333333333333
DATA expTab<>+320(SB)/8, $0.001388888888888889
DATA expTab<>+328(SB)/8, $0.001388888888888889
DATA expTab<>+336(SB)/8, $0.001388888888888889
DATA expTab<>+344(SB)/8, $0.001388888888888889
DATA expTab<>+352(SB)/8, $0.0001984126984126984
DATA expTab<>+360(SB)/8, $0.0001984126984126984
DATA expTab<>+368(SB)/8, $0.0001984126984126984
DATA expTab<>+376(SB)/8, $0.0001984126984126984
DATA expTab<>+384(SB)/8, $2.48015873015873e-05
DATA expTab<>+392(SB)/8, $2.48015873015873e-05
DATA expTab<>+400(SB)/8, $2.48015873015873e-05
DATA expTab<>+408(SB)/8, $2.48015873015873e-05
DATA expTab<>+416(SB)/8, $2.755731922398589e-06
DATA expTab<>+424(SB)/8, $2.755731922398589e-06
DATA expTab<>+432(SB)/8, $2.755731922398589e-06
DATA expTab<>+440(SB)/8, $2.755731922398589e-06
DATA expTab<>+448(SB)/8, $2.755731922398589e-07
DATA expTab<>+456(SB)/8, $2.755731922398589e-07
DATA expTab<>+464(SB)/8, $2.755731922398589e-07
DATA expTab<>+472(SB)/8, $2.755731922398589e-07
DATA expTab<>+480(SB)/8, $1023
DATA expTab<>+488(SB)/8, $1023
DATA expTab<>+496(SB)/8, $1023
DATA expTab<>+504(SB)/8, $1023
DATA expTab<>+512(SB)/8, $0x1fffffff
DATA expTab<>+520(SB)/8, $0x1fffffff
DATA expTab<>+528(SB)/8, $0x1fffffff
DATA expTab<>+536(SB)/8, $0x1fffffff
DATA expTab<>+544(SB)/8, $0x0fffc000
DATA expTab<>+552(SB)/8, $0x0fffc000
DATA expTab<>+560(SB)/8, $0x0fffc000
DATA expTab<>+568(SB)/8, $0x0fffc000
DATA expTab<>+576(SB)/8, $0x10004000
DATA expTab<>+584(SB)/8, $0x10004000
DATA expTab<>+592(SB)/8, $0x10004000
DATA expTab<>+600(SB)/8, $0x10004000
GLOBL expTab<>(SB), RODATA|NOPTR, $608

// func ExpF32(x, out []float32) int
TEXT ·ExpF32(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	MOVQ out_base+24(FP), DX
	MOVQ out_len+32(FP), CX
	SHRQ $2, CX
	XORQ AX, AX
	VMOVUPD expTab<>+0(SB), Y15
	VMOVUPD expTab<>+32(SB), Y14
	VMOVUPD expTab<>+64(SB), Y13
	VMOVUPD expTab<>+96(SB), Y12
	VMOVUPD expTab<>+128(SB), Y11
	VMOVUPD expTab<>+160(SB), Y10
	VMOVUPD expTab<>+512(SB), Y9
	TESTQ CX, CX
	JZ done
loop:
	VCVTPS2PD (SI), Y0
	// The fast path takes x in [-87, 88] (not NaN): exp(x) is then a normal float32.
	VCMPPD $0x0D, Y12, Y0, Y1
	VCMPPD $0x02, Y11, Y0, Y2
	VANDPD Y2, Y1, Y1
	VMOVMSKPD Y1, BX
	CMPQ BX, $15
	JNE done
	// x = k·ln2 + r, |r| ≤ ln2/2.
	VMULPD Y15, Y0, Y1
	VROUNDPD $0, Y1, Y1
	VFNMADD231PD Y14, Y1, Y0
	VFNMADD231PD Y13, Y1, Y0
	// exp(r) = Σ r^k/k!, k ≤ 10, by Estrin's scheme.
	VMULPD Y0, Y0, Y2
	VMULPD Y2, Y2, Y3
	VADDPD Y10, Y0, Y4
	VMOVUPD expTab<>+224(SB), Y5
	VFMADD213PD expTab<>+192(SB), Y0, Y5
	VMOVUPD expTab<>+288(SB), Y6
	VFMADD213PD expTab<>+256(SB), Y0, Y6
	VMOVUPD expTab<>+352(SB), Y7
	VFMADD213PD expTab<>+320(SB), Y0, Y7
	VMOVUPD expTab<>+416(SB), Y8
	VFMADD213PD expTab<>+384(SB), Y0, Y8
	VFMADD231PD Y5, Y2, Y4
	VFMADD231PD Y7, Y2, Y6
	VFMADD231PD expTab<>+448(SB), Y2, Y8
	VFMADD231PD Y6, Y3, Y4
	VMULPD Y3, Y3, Y3
	VFMADD231PD Y8, Y3, Y4
	// Times 2^k.
	VCVTPD2DQY Y1, X5
	VPMOVSXDQ X5, Y5
	VPADDQ expTab<>+480(SB), Y5, Y5
	VPSLLQ $52, Y5, Y5
	VMULPD Y5, Y4, Y4
	// A result within 2^14 float64 units of a float32 rounding midpoint
	// could round otherwise than math.Exp's: the caller computes that block
	// with math.Exp.
	VPAND Y9, Y4, Y6
	VPCMPGTQ expTab<>+544(SB), Y6, Y7
	VMOVDQU expTab<>+576(SB), Y8
	VPCMPGTQ Y6, Y8, Y8
	VPAND Y7, Y8, Y8
	VMOVMSKPD Y8, BX
	TESTQ BX, BX
	JNZ done
	VCVTPD2PSY Y4, X4
	VMOVUPS X4, (DX)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $4, AX
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET
