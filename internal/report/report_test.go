package report

import (
	"math"
	"testing"
)

func TestSparkline(t *testing.T) {
	for _, tt := range []struct {
		in    []float64
		width int
		want  string
	}{
		{[]float64{0.1, 0.5, 0.9}, 10, "▁▄█"},
		{[]float64{1, 1}, 10, "██"},
		{[]float64{0, 1, 0, 1}, 2, "██"}, // averaged to 0.5, 0.5,
		{nil, 5, ""},
	} {
		if got := Sparkline(tt.in, tt.width); got != tt.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMeanStd(t *testing.T) {
	m, s := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || math.Abs(s-math.Sqrt(32.0/7)) > 1e-12 {
		t.Errorf("mean %g std %g", m, s)
	}
	if _, s := MeanStd([]float64{3}); !math.IsNaN(s) {
		t.Error("std of one value is not NaN")
	}
}

func TestEqual(t *testing.T) {
	for _, tt := range []struct {
		a, b any
		eq   bool
	}{
		{1e-3, 0.001, true}, {int64(32), 32.0, true}, {32, int64(32), true}, {"32", 32, false},
		{true, true, true}, {"a", "a", true}, {nil, nil, true}, {nil, 0, false},
	} {
		if Equal(tt.a, tt.b) != tt.eq {
			t.Errorf("Equal(%v, %v) != %v", tt.a, tt.b, tt.eq)
		}
	}
}
