//go:build amd64 && !purego

package vec

// ExpF32 sets out[i] = float32(math.Exp(float64(x[i]))), exactly, for
// consecutive blocks of 4 elements of out (len(x) ≥ len(out)), and returns
// how many elements it set: len(out) &^ 3, or fewer when it stopped before a
// block it leaves to the caller, one with an x outside [-87, 88] or NaN, or
// (rarely) whose result lies too close to a float32 rounding midpoint to be
// sure of the rounding. It computes exp in float64 with a Taylor polynomial
// of degree 10 (relative error below 1e-12) and requires HasFMA.
//
//go:noescape
func ExpF32(x, out []float32) int
