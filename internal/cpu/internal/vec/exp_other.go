//go:build !amd64 || purego

package vec

// ExpF32 is not available on this platform.
func ExpF32(x, out []float32) int { unsupported(); return 0 }
