//go:build !amd64 || purego

package vec

// HasAVX2 is false on this platform: the functions of this package must not be called.
var HasAVX2 = false

func unsupported() { panic("vec: AVX2 not available") }

// VvAdd is not available on this platform.
func VvAdd(x, y, out []float32) { unsupported() }

// VvSub is not available on this platform.
func VvSub(x, y, out []float32) { unsupported() }

// VvMul is not available on this platform.
func VvMul(x, y, out []float32) { unsupported() }

// VvDiv is not available on this platform.
func VvDiv(x, y, out []float32) { unsupported() }

// VsAdd is not available on this platform.
func VsAdd(x []float32, s float32, out []float32) { unsupported() }

// VsSub is not available on this platform.
func VsSub(x []float32, s float32, out []float32) { unsupported() }

// VsMul is not available on this platform.
func VsMul(x []float32, s float32, out []float32) { unsupported() }

// VsDiv is not available on this platform.
func VsDiv(x []float32, s float32, out []float32) { unsupported() }

// SvSub is not available on this platform.
func SvSub(x []float32, s float32, out []float32) { unsupported() }

// SvDiv is not available on this platform.
func SvDiv(x []float32, s float32, out []float32) { unsupported() }

// Sqrt is not available on this platform.
func Sqrt(x, out []float32) { unsupported() }

// Neg is not available on this platform.
func Neg(x, out []float32) { unsupported() }

// Sign is not available on this platform.
func Sign(x, out []float32) { unsupported() }

// MaxVS is not available on this platform.
func MaxVS(x []float32, s float32, out []float32) { unsupported() }

// ColSum8 is not available on this platform.
func ColSum8(in, out []float32) { unsupported() }

// ColSum16 is not available on this platform.
func ColSum16(in, out []float32) { unsupported() }

// ColSum32 is not available on this platform.
func ColSum32(in, out []float32) { unsupported() }

// HasFMA is false on this platform.
var HasFMA = false

// Sgemm6x16 is not available on this platform.
func Sgemm6x16(kc int, a, b, c []float32, ldc int, accumulate bool) { unsupported() }

// Ger16 is not available on this platform.
func Ger16(a []float32, aStride int, w, c []float32) { unsupported() }

// Ger32 is not available on this platform.
func Ger32(a []float32, aStride int, w, c []float32) { unsupported() }

// GemvT16 is not available on this platform.
func GemvT16(a []float32, aStride int, c, acc []float32) { unsupported() }

// GemvT32 is not available on this platform.
func GemvT32(a []float32, aStride int, c, acc []float32) { unsupported() }
