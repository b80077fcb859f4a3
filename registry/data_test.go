package registry

import (
	"slices"
	"testing"
)

func numbered(n int) *Examples {
	s := &Examples{N: n, Shape: []int{2}, X: make([]float32, 2*n), Labels: make([]int32, n)}
	for i := range n {
		s.X[2*i], s.X[2*i+1], s.Labels[i] = float32(i), float32(-i), int32(i%3)
	}
	return s
}

func TestSplitSlicing(t *testing.T) {
	set := &Data{DataInfo: DataInfo{Shape: []int{2}, NumClasses: 3}, Train: numbered(100), Val: numbered(50)}
	set.Limit(80, 20)
	if set.Train.N != 80 || set.Val.N != 20 {
		t.Fatalf("Limit: %d/%d", set.Train.N, set.Val.N)
	}
	if err := set.HoldOut(0.25); err != nil {
		t.Fatal(err)
	}
	if set.Train.N != 60 || set.Val.N != 20 || set.Val.X[0] != 60 || set.Val.Labels[0] != 0 {
		t.Errorf("HoldOut: train %d val %d first val %v", set.Train.N, set.Val.N, set.Val.X[0])
	}
	x := make([]float32, 4)
	l := make([]int32, 2)
	set.Train.Gather([]int{5, 2}, x, l, nil)
	if !slices.Equal(x, []float32{5, -5, 2, -2}) || !slices.Equal(l, []int32{2, 2}) {
		t.Errorf("Gather: %v %v", x, l)
	}
	if err := (&Data{Train: numbered(3)}).HoldOut(0.1); err == nil {
		t.Error("HoldOut leaving no validation example succeeded")
	}
}

// TestPixelsGather checks that byte inputs gather as v/255, the same
// float32 values a float copy of them holds.
func TestPixelsGather(t *testing.T) {
	pix := []uint8{0, 1, 127, 128, 254, 255}
	x := make([]float32, len(pix))
	for i, b := range pix {
		x[i] = float32(b) / 255
	}
	bytesSplit := &Examples{N: 3, Shape: []int{2}, Pixels: pix, Labels: []int32{0, 1, 2}}
	floatSplit := &Examples{N: 3, Shape: []int{2}, X: x, Labels: []int32{0, 1, 2}}
	idx := []int{2, 0}
	gotB, gotF := make([]float32, 4), make([]float32, 4)
	lb, lf := make([]int32, 2), make([]int32, 2)
	bytesSplit.Slice(0, 3).Gather(idx, gotB, lb, nil)
	floatSplit.Gather(idx, gotF, lf, nil)
	for i := range gotB {
		if gotB[i] != gotF[i] || lb[i/2] != lf[i/2] {
			t.Fatalf("bytes gathered %v %v, floats %v %v", gotB, lb, gotF, lf)
		}
	}
	if gotB[2] != 0 || gotB[1] != 1 {
		t.Errorf("gathered %v, want example 2 then example 0", gotB)
	}
}

// twoInputs returns n examples with an int32 input "ids" of 3 values and a
// float32 input "features" of 2: example i holds ids i, i+1, i+2 and
// features i, -i, and label i%3.
func twoInputs(n int) *Examples {
	ids := InputValues{Input: Input{Name: "ids", Shape: []int{3}, DType: Int32, Vocabulary: n + 2}, I32: make([]int32, 3*n)}
	feats := InputValues{Input: Input{Name: "features", Shape: []int{2}}, F32: make([]float32, 2*n)}
	s := &Examples{N: n, Inputs: []InputValues{ids, feats}, Labels: make([]int32, n)}
	for i := range n {
		copy(ids.I32[3*i:], []int32{int32(i), int32(i + 1), int32(i + 2)})
		feats.F32[2*i], feats.F32[2*i+1], s.Labels[i] = float32(i), float32(-i), int32(i%3)
	}
	return s
}

// TestNamedInputs checks that examples with several named inputs slice,
// select, split, count their bytes and gather input by input as examples
// with one input do.
func TestNamedInputs(t *testing.T) {
	s := twoInputs(30)
	if got := s.ExampleSize(); got != 5 {
		t.Errorf("ExampleSize = %d, want 5", got)
	}
	if got := s.Bytes(); got != 30*(3+2+1)*4 {
		t.Errorf("Bytes = %d", got)
	}
	ins := s.ModelInputs()
	if len(ins) != 2 || ins[0].Name != "ids" || ins[0].Type() != Int32 || ins[1].Type() != Float32 || s.NumInputs() != 2 {
		t.Fatalf("ModelInputs = %+v", ins)
	}
	sl := s.Slice(10, 20)
	if sl.N != 10 || sl.Inputs[0].I32[0] != 10 || sl.Inputs[1].F32[1] != -10 || sl.Labels[0] != 1 {
		t.Errorf("Slice: %+v", sl.Inputs)
	}
	sel := s.Select([]int{7, 2})
	ids, feats, labels := make([]int32, 6), make([]float32, 4), make([]int32, 2)
	sel.GatherInput(0, []int{1, 0}, nil, ids)
	sel.GatherInput(1, []int{1, 0}, feats, nil)
	sel.GatherLabels([]int{1, 0}, labels, nil)
	if !slices.Equal(ids, []int32{2, 3, 4, 7, 8, 9}) || !slices.Equal(feats, []float32{2, -2, 7, -7}) || !slices.Equal(labels, []int32{2, 1}) {
		t.Errorf("Select+GatherInput: %v %v %v", ids, feats, labels)
	}
	d := &Data{Train: s}
	if err := (Split{Fraction: 0.2}).Apply(d, 1); err != nil {
		t.Fatal(err)
	}
	if d.Train.N+d.Val.N != 30 || d.Val.N != 6 {
		t.Fatalf("split %d/%d", d.Train.N, d.Val.N)
	}
	for _, part := range []*Examples{d.Train, d.Val} {
		for i := range part.N {
			first := part.Inputs[0].I32[3*i]
			if part.Inputs[1].F32[2*i] != float32(first) || part.Labels[i] != first%3 {
				t.Fatalf("split mixed up example %d: ids %d, features %v, label %d", i, first, part.Inputs[1].F32[2*i], part.Labels[i])
			}
		}
	}
}

// TestModelInputsDefault checks that a dataset with one float32 input
// (Shape, X) keeps being one input named "input".
func TestModelInputsDefault(t *testing.T) {
	info := DataInfo{Shape: []int{28, 28, 1}}
	ins := info.ModelInputs()
	if len(ins) != 1 || ins[0].Name != InputName || ins[0].Type() != Float32 || ins[0].Size() != 784 || info.ExampleSize() != 784 {
		t.Errorf("ModelInputs = %+v", ins)
	}
	s := numbered(4)
	x := make([]float32, 4)
	s.GatherInput(0, []int{3, 1}, x, nil)
	if !slices.Equal(x, []float32{3, -3, 1, -1}) || s.NumInputs() != 1 {
		t.Errorf("GatherInput of X: %v", x)
	}
	if !SameInputs(s.ModelInputs(), DataInfo{Shape: []int{2}}.ModelInputs()) {
		t.Error("SameInputs of X and Shape [2] is false")
	}
}
