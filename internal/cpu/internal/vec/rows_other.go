//go:build !amd64 || purego

package vec

// MaxF32 is not available on this platform.
func MaxF32(x []float32) float32 { unsupported(); return 0 }

// SumF32 is not available on this platform.
func SumF32(x []float32) float32 { unsupported(); return 0 }
