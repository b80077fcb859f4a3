package grads_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/exp-runner/exp/internal/grads"
)

// TestSoftmaxGradient checks grads.Softmax's value and gradient (float64)
// against the softmax written out, y_i = e^x_i/Σe^x, and its Jacobian
// dx_j = Σ_i v_i·y_i·(δ_ij − y_j), and that the other divisions and
// exponentials of the graph keep GoMLX's gradients.
func TestSoftmaxGradient(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		r := rand.New(rand.NewPCG(3, 4))
		const rows, n = 3, 5
		x, v := randSlice(r, rows*n), randSlice(r, rows*n)
		for i := range x {
			x[i] *= 4
		}
		out := graph.MustExecOnceN(be, func(x, v *graph.Node) []*graph.Node {
			y := grads.Softmax(x)
			other := graph.Div(graph.Exp(x), graph.AddScalar(graph.Square(x), 1)) // e^x/(1+x²)
			loss := graph.Add(graph.ReduceAllSum(graph.Mul(y, v)), graph.ReduceAllSum(other))
			return append([]*graph.Node{y}, graph.Gradient(loss, x)...)
		}, tensors.FromFlatDataAndDimensions(x, rows, n), tensors.FromFlatDataAndDimensions(v, rows, n))
		wantY, wantDX := make([]float64, rows*n), make([]float64, rows*n)
		for row := range rows {
			xs, vs := x[row*n:(row+1)*n], v[row*n:(row+1)*n]
			sum := 0.0
			for _, xi := range xs {
				sum += math.Exp(xi)
			}
			y := wantY[row*n : (row+1)*n]
			for i, xi := range xs {
				y[i] = math.Exp(xi) / sum
			}
			for j := range n {
				d := 0.0
				for i := range n {
					delta := 0.0
					if i == j {
						delta = 1
					}
					d += vs[i] * y[i] * (delta - y[j])
				}
				xj := xs[j]
				other := math.Exp(xj)/(1+xj*xj) - math.Exp(xj)*2*xj/((1+xj*xj)*(1+xj*xj))
				wantDX[row*n+j] = d + other
			}
		}
		near(t, "y", tensors.MustCopyFlatData[float64](out[0]), wantY)
		near(t, "dx", tensors.MustCopyFlatData[float64](out[1]), wantDX)
	})
}
