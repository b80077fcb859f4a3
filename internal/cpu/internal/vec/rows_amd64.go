//go:build amd64 && !purego

package vec

// MaxF32 returns the largest of the first len(x) &^ 31 values of x, which
// must be at least 32 (with NaNs, one of them or a number: VMAXPS's rule).
//
//go:noescape
func MaxF32(x []float32) float32

// SumF32 returns the sum of the first len(x) &^ 31 values of x, in 32
// interleaved partial sums.
//
//go:noescape
func SumF32(x []float32) float32
