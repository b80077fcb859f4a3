package cpu

import (
	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/cpu/internal/vec"
)

// float32 Exp runs through vec.ExpF32 when the CPU has AVX2 and FMA: it
// computes exactly what the generated loop does, float32(math.Exp(float64(x))),
// about ten times faster, and leaves to that loop the blocks of 4 values it
// cannot be sure of (out of [-87, 88], NaN, or rarely a result too close to a
// rounding midpoint). Attention's softmax is its main user.
func init() {
	if vec.HasAVX2 && vec.HasFMA {
		float32UnaryOverrides[backends.OpTypeExp] = expF32
	}
}

// expF32 sets out[i] = float32(math.Exp(float64(x[i]))).
func expF32(x, out []float32) {
	n := len(x)
	out = out[:n]
	if n < minAsmLen {
		unExp0(x, out)
		return
	}
	i := 0
	for n-i >= 4 {
		i += vec.ExpF32(x[i:], out[i:n&^3])
		if n-i >= 4 && i < n&^3 { // a block ExpF32 left
			unExp0(x[i:i+4], out[i:i+4])
			i += 4
		}
	}
	unExp0(x[i:], out[i:])
}
