package report

import (
	"fmt"
	"math"
	"testing"

	"github.com/exp-runner/exp/internal/record"
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
		{map[string]any{"a": 1}, map[string]any{"a": 1}, true}, {[]any{1}, []any{2}, false}, {map[string]any{}, "a", false},
	} {
		if Equal(tt.a, tt.b) != tt.eq {
			t.Errorf("Equal(%v, %v) != %v", tt.a, tt.b, tt.eq)
		}
	}
}

// sortRows are four runs whose best val_accuracy is 0.9, 0.7, none, 0.6,
// with train.seed 0, 1, 0, 1.
func sortRows() []*Row {
	var rows []*Row
	for i, best := range []float64{0.9, 0.7, math.NaN(), 0.6} {
		r := &Row{Run: &record.Run{ID: int64(i + 1), Name: "r", ModelName: "mlp", Status: record.StatusCompleted},
			Config: map[string]any{"train": map[string]any{"seed": i % 2}}}
		if !math.IsNaN(best) {
			v := best
			r.Best, r.BestEpoch, r.Final = &v, i+1, &v
		}
		rows = append(rows, r)
	}
	return rows
}

// ids is the id column of t.
func ids(t *Table, col int) []any {
	var out []any
	for _, r := range t.Rows {
		out = append(out, r[col].Value)
	}
	return out
}

// TestSortBest: the documented --sort -best (and ?sort=-best) orders by
// the metric the table ranks by, both by run and by group, though other
// columns ("best epoch", "best run") start with "best" too.
func TestSortBest(t *testing.T) {
	rows := sortRows()
	runs := RunsTable(rows, nil, "val_accuracy")
	for spec, want := range map[string]string{
		"-best": "[1 2 4 3]", "best": "[4 2 1 3]", "-id": "[4 3 2 1]", "final": "[4 2 1 3]", "-best epoch": "[4 2 1 3]",
	} {
		if err := runs.Sort(spec); err != nil {
			t.Fatalf("Sort(%q): %v", spec, err)
		}
		if got := fmt.Sprint(ids(runs, 0)); got != want {
			t.Errorf("Sort(%q): ids %s, want %s", spec, got, want)
		}
	}
	groups := GroupsTable(GroupBy(rows, []string{"train.seed"}, "val_accuracy"), []string{"train.seed"}, "val_accuracy")
	// seed 0: runs 1 and 3 (mean 0.9, best run 1); seed 1: runs 2 and 4
	// (mean 0.65, best run 2): by the best run, the order would be reversed.
	for spec, want := range map[string]string{"-best": "[0 1]", "best": "[1 0]"} {
		if err := groups.Sort(spec); err != nil {
			t.Fatalf("groups: Sort(%q): %v", spec, err)
		}
		if got := fmt.Sprint(ids(groups, 0)); got != want {
			t.Errorf("groups: Sort(%q): seeds %s, want %s", spec, got, want)
		}
	}
	for _, spec := range []string{"nosuch", "-nosuch", "", "id,"} {
		if err := runs.Sort(spec); err == nil {
			t.Errorf("Sort(%q) accepted", spec)
		}
	}
}

// TestGroupByKeys: groups are keyed by value as Equal compares them
// (1e-3 is 0.001, "32" is not 32), in order of first appearance; a path
// to a mapping groups by the whole mapping (it used to panic: maps are
// not comparable).
func TestGroupByKeys(t *testing.T) {
	var rows []*Row
	for i, v := range []any{1e-3, "32", 0.001, 32, nil, int64(32), "a", map[string]any{"x": 1}, map[string]any{"x": 1}} {
		rows = append(rows, &Row{Run: &record.Run{ID: int64(i + 1)}, Config: map[string]any{"k": v}})
	}
	var got []string
	for _, g := range GroupBy(rows, []string{"k"}, "val_accuracy") {
		var members []int64
		for _, r := range g.Rows {
			members = append(members, r.Run.ID)
		}
		got = append(got, fmt.Sprintf("%v:%v", g.Key[0], members))
	}
	if want := "[0.001:[1 3] 32:[2] 32:[4 6] <nil>:[5] a:[7] map[x:1]:[8 9]]"; fmt.Sprint(got) != want {
		t.Errorf("groups %v, want %s", got, want)
	}
}
