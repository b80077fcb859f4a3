package search

import "math"

// testProblem is a known function to minimise on a box.
type testProblem struct {
	name  string
	space Space
	f     func(x []float64) float64
	min   float64 // the global minimum
}

func box(n int, lo, hi float64) Space {
	s := make(Space, n)
	for i := range s {
		s[i] = Param{Name: "x" + string(rune('1'+i)), Kind: Uniform, Lo: lo, Hi: hi}
	}
	return s
}

var branin = testProblem{
	name:  "Branin (2-D)",
	space: Space{{Name: "x1", Kind: Uniform, Lo: -5, Hi: 10}, {Name: "x2", Kind: Uniform, Lo: 0, Hi: 15}},
	f: func(x []float64) float64 {
		b, c, t := 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 1/(8*math.Pi)
		u := x[1] - b*x[0]*x[0] + c*x[0] - 6
		return u*u + 10*(1-t)*math.Cos(x[0]) + 10
	},
	min: 0.397887,
}

var hartmann6 = testProblem{
	name:  "Hartmann-6 (6-D)",
	space: box(6, 0, 1),
	f: func(x []float64) float64 {
		alpha := []float64{1.0, 1.2, 3.0, 3.2}
		a := [4][6]float64{
			{10, 3, 17, 3.5, 1.7, 8},
			{0.05, 10, 17, 0.1, 8, 14},
			{3, 3.5, 1.7, 10, 17, 8},
			{17, 8, 0.05, 10, 0.1, 14},
		}
		p := [4][6]float64{
			{1312, 1696, 5569, 124, 8283, 5886},
			{2329, 4135, 8307, 3736, 1004, 9991},
			{2348, 1451, 3522, 2883, 3047, 6650},
			{4047, 8828, 8732, 5743, 1091, 381},
		}
		s := 0.0
		for i := range 4 {
			e := 0.0
			for j := range 6 {
				d := x[j] - p[i][j]*1e-4
				e += a[i][j] * d * d
			}
			s += alpha[i] * math.Exp(-e)
		}
		return -s
	},
	min: -3.32237,
}

var rosenbrock5 = testProblem{
	name:  "Rosenbrock (5-D)",
	space: box(5, -2, 2),
	f: func(x []float64) float64 {
		s := 0.0
		for i := 0; i+1 < len(x); i++ {
			a, b := x[i+1]-x[i]*x[i], 1-x[i]
			s += 100*a*a + b*b
		}
		return s
	},
	min: 0,
}
