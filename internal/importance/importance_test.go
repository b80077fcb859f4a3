package importance

import (
	"math"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/search"
)

var space = search.Space{
	{Name: "x1", Kind: search.Uniform, Lo: 0, Hi: 1},
	{Name: "lr", Kind: search.LogUniform, Lo: 1e-5, Hi: 1},
	{Name: "act", Kind: search.Categorical, Choices: 4},
	{Name: "units", Kind: search.Int, Lo: 1, Hi: 6},
}

// sampled returns n random-search trials of space valued by f.
func sampled(n int, f func(x []float64) float64) []search.Trial {
	draw := search.RandomStartup(space, 42)
	var out []search.Trial
	for k := range n {
		x, _ := draw(k)
		out = append(out, search.Trial{Params: x, State: search.Complete, Value: f(x)})
	}
	return out
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		f    func(x []float64) float64
		want map[string][2]float64 // bounds of each parameter's importance
	}{
		{
			name: "x1 only",
			f:    func(x []float64) float64 { return math.Sin(3 * x[0]) },
			want: map[string][2]float64{"x1": {0.85, 1}, "lr": {0, 0.05}, "act": {0, 0.05}, "units": {0, 0.05}},
		},
		{
			name: "log learning rate, with a diverged outlier",
			f: func(x []float64) float64 {
				l := math.Log10(x[1]) + 3
				if x[1] > 0.5 {
					return 1e9
				}
				return l * l
			},
			want: map[string][2]float64{"lr": {0.85, 1}, "x1": {0, 0.05}, "act": {0, 0.05}, "units": {0, 0.05}},
		},
		{
			name: "categorical and int, the choice stronger",
			f:    func(x []float64) float64 { return 3*math.Abs(x[2]-1) + x[3]/3 },
			want: map[string][2]float64{"act": {0.6, 1}, "units": {0.03, 0.4}, "x1": {0, 0.05}, "lr": {0, 0.05}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compute(space, sampled(300, tc.f))
			if err != nil {
				t.Fatal(err)
			}
			for i, imp := range got {
				b := tc.want[imp.Name]
				t.Logf("%s: %.3f (%d bins)", imp.Name, imp.Value, imp.Bins)
				if imp.Value < b[0] || imp.Value > b[1] {
					t.Errorf("%s: importance %.3f, want in [%g, %g]", imp.Name, imp.Value, b[0], b[1])
				}
				if i > 0 && imp.Value > got[i-1].Value {
					t.Errorf("not sorted: %v", got)
				}
			}
		})
	}
}

func TestComputeIgnoresOtherStates(t *testing.T) {
	trials := sampled(100, func(x []float64) float64 { return x[0] })
	// Failed, pruned and running trials with values that would reverse x1's effect.
	for i := range 100 {
		x := []float64{float64(i) / 100, 1e-3, 0, 1}
		for _, s := range []search.State{search.Failed, search.Pruned, search.Running} {
			trials = append(trials, search.Trial{Params: x, State: s, Value: -1e6 * x[0]})
		}
	}
	trials = append(trials, search.Trial{Params: []float64{0.5, 1e-3, 0, 1}, State: search.Complete, Value: math.NaN()})
	got, err := Compute(space, trials)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Name != "x1" || got[0].Value < 0.9 {
		t.Errorf("got %+v, want x1 first above 0.9", got)
	}
	if _, err := Compute(space, trials[:2]); err == nil || !strings.Contains(err.Error(), "3 complete") {
		t.Errorf("2 trials: err %v", err)
	}
}

func TestConstantValues(t *testing.T) {
	got, err := Compute(space, sampled(20, func([]float64) float64 { return 1 }))
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range got {
		if imp.Value != 0 {
			t.Errorf("%s: %g with constant values", imp.Name, imp.Value)
		}
	}
}
