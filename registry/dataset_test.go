package registry

import (
	"slices"
	"strings"
	"testing"
)

// sortedByClass returns n examples of 3 classes, sorted by class as many
// files are; example i has input i.
func sortedByClass(n int) *Examples {
	ex := &Examples{N: n, Shape: []int{1}, X: make([]float32, n), Labels: make([]int32, n)}
	for i := range n {
		ex.X[i], ex.Labels[i] = float32(i), int32(3*i/n)
	}
	return ex
}

func ids(ex *Examples) []int {
	out := make([]int, ex.N)
	for i, v := range ex.X {
		out[i] = int(v)
	}
	return out
}

func classCounts(ex *Examples) map[int32]int {
	c := map[int32]int{}
	for _, l := range ex.Labels {
		c[l]++
	}
	return c
}

// TestSplitApply: a validation split of a file sorted by class is
// disjoint from the training examples, stratified, a function of the seed
// (another seed gives another split), and the limits that follow pick
// from every class.
func TestSplitApply(t *testing.T) {
	split := func(s Split, seed uint64) *Data {
		d := &Data{Train: sortedByClass(90)}
		if err := s.Apply(d, seed); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := split(Split{Fraction: 0.2}, 1)
	if d.Train.N != 72 || d.Val.N != 18 || !d.Validation {
		t.Fatalf("train %d, val %d (validation %v); want 72, 18", d.Train.N, d.Val.N, d.Validation)
	}
	if c := classCounts(d.Val); c[0] != 6 || c[1] != 6 || c[2] != 6 {
		t.Errorf("validation classes %v, want 6 of each", c)
	}
	train, val := ids(d.Train), ids(d.Val)
	all := append(slices.Clone(train), val...)
	slices.Sort(all)
	if len(slices.Compact(all)) != 90 || !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Errorf("not a partition in file order: train %v, val %v", train, val)
	}
	if again := split(Split{Fraction: 0.2}, 1); !slices.Equal(ids(again.Val), val) {
		t.Errorf("the same seed split differently: %v, then %v", val, ids(again.Val))
	}
	if other := split(Split{Fraction: 0.2}, 2); slices.Equal(ids(other.Val), val) {
		t.Errorf("seeds 1 and 2 held out the same examples %v", val)
	}
	lim := split(Split{Fraction: 0.2, TrainN: 9, ValN: 3}, 1)
	if lim.Train.N != 9 || lim.Val.N != 3 || len(classCounts(lim.Train)) != 3 {
		t.Errorf("train_examples 9 of a file sorted by class: %d examples of classes %v", lim.Train.N, classCounts(lim.Train))
	}
	for _, id := range ids(lim.Val) {
		if !slices.Contains(val, id) {
			t.Errorf("val_examples picked %d, which is not a validation example", id)
		}
	}
}

func TestSplitApplyErrors(t *testing.T) {
	for _, tt := range []struct {
		d    *Data
		want string
	}{
		{&Data{Train: sortedByClass(6), Val: sortedByClass(3)}, "has validation examples already"},
		{&Data{Train: &Examples{N: 3, Shape: []int{1}, X: make([]float32, 3), Labels: []int32{0, 0, 1}}}, "class 1 has 1 example"},
	} {
		if err := (Split{Fraction: 0.5}).Apply(tt.d, 0); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Apply: %v, want an error with %q", err, tt.want)
		}
	}
	d := &Data{Train: sortedByClass(6), Val: sortedByClass(3)}
	if err := (Split{TrainN: 2}).Apply(d, 0); err != nil || d.Train.N != 2 || d.Val.N != 3 {
		t.Errorf("limits alone: %v, train %d, val %d", err, d.Train.N, d.Val.N)
	}
}

func TestSelect(t *testing.T) {
	ex := &Examples{N: 3, Shape: []int{2}, Pixels: []uint8{1, 2, 3, 4, 5, 6}, Targets: []float32{10, 20, 30}}
	got := ex.Select([]int{2, 0})
	if got.N != 2 || !slices.Equal(got.Pixels, []uint8{5, 6, 1, 2}) || !slices.Equal(got.Targets, []float32{30, 10}) || got.X != nil {
		t.Errorf("Select = %+v", got)
	}
	got.Pixels[0] = 99
	if ex.Pixels[4] != 5 {
		t.Error("Select shares memory with its source")
	}
}

func TestMemoryPolicyCheck(t *testing.T) {
	const what = "things: 3 files need"
	for _, tt := range []struct {
		p    MemoryPolicy
		need int64
		want string // "" for no error
	}{
		{MemoryPolicy{Total: 2000}, 2000, ""},
		{MemoryPolicy{Total: 2000}, 2001, "things: 3 files need 2.0 KB as bytes; this machine has 2.0 KB (use --force to try anyway)"},
		{MemoryPolicy{Total: 2000, Copies: 3}, 1000, "things: 3 files need 1.0 KB as bytes, 3.0 KB for 3 jobs; this machine has 2.0 KB (use --force to try anyway)"},
		{MemoryPolicy{Total: 2000, Copies: 3, Force: true}, 1000, ""},
		{MemoryPolicy{Copies: 3}, 1 << 60, ""},
	} {
		got := ""
		if err := tt.p.Check(what, tt.need, "bytes"); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%+v.Check(%d) = %q, want %q", tt.p, tt.need, got, tt.want)
		}
	}
}
