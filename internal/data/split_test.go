package data

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSplitIndicesStratified(t *testing.T) {
	// 3 classes of 50, 30 and 20 examples, interleaved.
	var labels []int32
	for i := range 100 {
		switch {
		case i%10 < 5:
			labels = append(labels, 0)
		case i%10 < 8:
			labels = append(labels, 1)
		default:
			labels = append(labels, 2)
		}
	}
	train, val, err := SplitIndices(len(labels), labels, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(train)+len(val) != 100 || len(val) != 20 {
		t.Fatalf("train %d, val %d; want 80, 20", len(train), len(val))
	}
	all := append(slices.Clone(train), val...)
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("train and val are not a partition of 0..99: %v", all)
		}
	}
	if !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Error("indices not in ascending order")
	}
	count := map[int32]int{}
	for _, i := range val {
		count[labels[i]]++
	}
	if count[0] != 10 || count[1] != 6 || count[2] != 4 {
		t.Errorf("validation class counts %v, want 10, 6, 4", count)
	}
	train2, val2, _ := SplitIndices(len(labels), labels, 0.2, 7)
	if !slices.Equal(train, train2) || !slices.Equal(val, val2) {
		t.Error("same seed gave a different split")
	}
	_, val3, _ := SplitIndices(len(labels), labels, 0.2, 8)
	if slices.Equal(val, val3) {
		t.Error("another seed gave the same split")
	}
	if slices.Equal(val, []int{80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99}) {
		t.Error("split is the tail, not shuffled")
	}
}

func TestSplitIndicesSmallClassKeepsBothSides(t *testing.T) {
	// frac 0.1 of a class of 2 rounds to 0 but must still put one in val;
	// frac 0.9 of a class of 3 must leave one for training.
	labels := []int32{0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	for _, frac := range []float64{0.1, 0.9} {
		train, val, err := SplitIndices(len(labels), labels, frac, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range [][]int{train, val} {
			seen := map[int32]bool{}
			for _, i := range side {
				seen[labels[i]] = true
			}
			if !seen[0] || !seen[1] {
				t.Errorf("frac %g: a side lacks a class: train %v val %v", frac, train, val)
			}
		}
	}
}

func TestSplitIndicesUnstratified(t *testing.T) {
	train, val, err := SplitIndices(10, nil, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(val) != 3 || len(train) != 7 {
		t.Fatalf("train %v val %v; want 7 and 3", train, val)
	}
	train = append(train, -1) // must not overwrite val's memory
	if slices.Contains(val, -1) {
		t.Error("train and val share memory")
	}
}

func TestSplitIndicesErrors(t *testing.T) {
	var sizeErr *ClassSizeError
	_, _, err := SplitIndices(5, []int32{0, 0, 3, 0, 0}, 0.2, 0)
	if !errors.As(err, &sizeErr) || sizeErr.Class != 3 || sizeErr.Count != 1 {
		t.Errorf("class with 1 example: got %v", err)
	}
	tests := []struct {
		n      int
		labels []int32
		frac   float64
		want   string
	}{
		{4, []int32{2, 2, 2, 2}, 0.5, "one class"},
		{4, nil, 0, "between 0 and 1"},
		{4, nil, 1, "between 0 and 1"},
		{1, nil, 0.5, "at least 2"},
		{3, []int32{0, 1}, 0.5, "2 labels for 3"},
	}
	for _, tt := range tests {
		_, _, err := SplitIndices(tt.n, tt.labels, tt.frac, 0)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SplitIndices(%d, %v, %g) = %v, want error containing %q", tt.n, tt.labels, tt.frac, err, tt.want)
		}
	}
}
