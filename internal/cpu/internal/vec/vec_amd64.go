//go:build amd64 && !purego

package vec

// HasAVX2 reports whether the CPU and the OS support AVX2: the functions of this package require it.
var HasAVX2 = detectAVX2()

func detectAVX2() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM states enabled by the OS.
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// VvAdd computes out[i] = x[i] + y[i].
//
//go:noescape
func VvAdd(x, y, out []float32)

// VvSub computes out[i] = x[i] - y[i].
//
//go:noescape
func VvSub(x, y, out []float32)

// VvMul computes out[i] = x[i] * y[i].
//
//go:noescape
func VvMul(x, y, out []float32)

// VvDiv computes out[i] = x[i] / y[i].
//
//go:noescape
func VvDiv(x, y, out []float32)

// VsAdd computes out[i] = x[i] + s.
//
//go:noescape
func VsAdd(x []float32, s float32, out []float32)

// VsSub computes out[i] = x[i] - s.
//
//go:noescape
func VsSub(x []float32, s float32, out []float32)

// VsMul computes out[i] = x[i] * s.
//
//go:noescape
func VsMul(x []float32, s float32, out []float32)

// VsDiv computes out[i] = x[i] / s.
//
//go:noescape
func VsDiv(x []float32, s float32, out []float32)

// SvSub computes out[i] = s - x[i].
//
//go:noescape
func SvSub(x []float32, s float32, out []float32)

// SvDiv computes out[i] = s / x[i].
//
//go:noescape
func SvDiv(x []float32, s float32, out []float32)

// Sqrt computes out[i] = sqrt(x[i]).
//
//go:noescape
func Sqrt(x, out []float32)

// Neg computes out[i] = -x[i].
//
//go:noescape
func Neg(x, out []float32)

// Sign computes out[i] = ±1 for non-zero x[i] (infinities included), 0 for ±0 and NaN.
//
//go:noescape
func Sign(x, out []float32)

// MaxVS computes out[i] = max(x[i], s), with Go's semantics (NaN and signed zeros) only if s >= +0.
//
//go:noescape
func MaxVS(x []float32, s float32, out []float32)

// ColSum8 adds, for len(out) == 8, each row of in (len(in) a multiple of 8) to out, in row order.
//
//go:noescape
func ColSum8(in, out []float32)

// ColSum16 adds, for len(out) == 16, each row of in (len(in) a multiple of 16) to out, in row order.
//
//go:noescape
func ColSum16(in, out []float32)

// ColSum32 adds, for len(out) == 32, each row of in (len(in) a multiple of 32) to out, in row order.
//
//go:noescape
func ColSum32(in, out []float32)

// Sgemm6x16 computes C[0:6, 0:16] (row stride ldc) = (accumulate ? C : 0) + A·B from packed panels: a holds
// kc groups of 6 values of A, b holds kc groups of 16 values of B. The caller must guarantee len(a) >= 6*kc,
// len(b) >= 16*kc and that c holds 6 rows of 16 values with stride ldc. It requires FMA (HasFMA).
//
//go:noescape
func Sgemm6x16(kc int, a, b, c []float32, ldc int, accumulate bool)

// HasFMA reports whether the CPU supports FMA3 (with AVX2, required by Sgemm6x16).
var HasFMA = HasAVX2 && detectFMA()

func detectFMA() bool {
	_, _, ecx1, _ := cpuid(1, 0)
	return ecx1&(1<<12) != 0
}

// Ger16 adds to each row r of c (rows of 16 values) a[r*aStride] * w[0:16]. It requires HasFMA.
//
//go:noescape
func Ger16(a []float32, aStride int, w, c []float32)

// Ger32 adds to each row r of c (rows of 32 values) a[r*aStride] * w[0:32]. It requires HasFMA.
//
//go:noescape
func Ger32(a []float32, aStride int, w, c []float32)

// GemvT16 adds to acc[0:16] the sum over the rows r of c (rows of 16 values) of a[r*aStride] * c[r]. It
// requires HasFMA.
//
//go:noescape
func GemvT16(a []float32, aStride int, c, acc []float32)

// GemvT32 adds to acc[0:32] the sum over the rows r of c (rows of 32 values) of a[r*aStride] * c[r]. It
// requires HasFMA.
//
//go:noescape
func GemvT32(a []float32, aStride int, c, acc []float32)
