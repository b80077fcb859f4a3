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
