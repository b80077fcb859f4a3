package confusion

import (
	"math"
	"testing"
)

// TestMetrics checks the per-class metrics and averages against values
// worked out by hand (as scikit-learn's classification_report gives them).
func TestMetrics(t *testing.T) {
	m := New(3)
	m.Add([]int32{0, 0, 0, 1, 1, 2, 2, 2, 2}, []int32{0, 0, 1, 1, 2, 2, 2, 2, 0})
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	want := []Class{
		{Precision: 2.0 / 3, Recall: 2.0 / 3, F1: 2.0 / 3, Support: 3},
		{Precision: 1.0 / 2, Recall: 1.0 / 2, F1: 1.0 / 2, Support: 2},
		{Precision: 3.0 / 4, Recall: 3.0 / 4, F1: 3.0 / 4, Support: 4},
	}
	for i, c := range m.Classes() {
		w := want[i]
		if !near(c.Precision, w.Precision) || !near(c.Recall, w.Recall) || !near(c.F1, w.F1) || c.Support != w.Support {
			t.Errorf("class %d: %+v, want %+v", i, c, w)
		}
	}
	macro, weighted := m.Averages()
	if !near(macro.F1, (2.0/3+0.5+0.75)/3) || !near(weighted.F1, (3*2.0/3+2*0.5+4*0.75)/9) || m.Total() != 9 || !near(m.F1Macro(), macro.F1) {
		t.Errorf("macro %+v, weighted %+v, total %d", macro, weighted, m.Total())
	}
	// A class never predicted has precision 0, not NaN.
	z := New(2)
	z.Add([]int32{0, 1}, []int32{0, 0})
	if c := z.Classes()[1]; c.Precision != 0 || c.F1 != 0 {
		t.Errorf("a class never predicted: %+v, want zeros", c)
	}
	st, err := Decode(Stored{Epoch: 3, Matrix: m}.Encode())
	if err != nil || st.Epoch != 3 || st.Matrix[2][0] != 1 {
		t.Errorf("round trip: %+v, %v", st, err)
	}
	if _, err := Decode(`{"epoch":1,"matrix":[[1,2],[3]]}`); err == nil {
		t.Error("a ragged matrix decoded without error")
	}
}
