package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/exp-runner/exp/internal/rng"
)

// SplitStream is the rng stream SplitIndices draws from, distinct from the
// epoch streams of Permutation (which start at 1) so that a split and an
// epoch's order never share random numbers.
const SplitStream = 1 << 62

// ClassSizeError reports a class with too few examples for a stratified
// split: each side needs at least one.
type ClassSizeError struct {
	Class int32 // the label
	Count int   // its number of examples
}

// Error names the class and its count.
func (e *ClassSizeError) Error() string {
	return fmt.Sprintf("class %d has %d example(s); a stratified validation split needs at least 2 of every class", e.Class, e.Count)
}

// SplitIndices holds out a seeded, shuffled fraction frac of n examples for
// validation. With labels (len n) the split is stratified: every class keeps
// round(frac × its count) examples for validation, at least one and at most
// all but one, so that it appears on both sides; a class with fewer than 2
// examples is a *ClassSizeError and a single class an error. Without labels
// (nil) round(frac × n) examples are held out, at least one and at most n-1.
// The result is a function of (n, labels, frac, seed) alone; both index
// lists are in ascending order, so the examples keep their file order.
func SplitIndices(n int, labels []int32, frac float64, seed uint64) (train, val []int, err error) {
	if !(frac > 0 && frac < 1) {
		return nil, nil, fmt.Errorf("validation split %g must be between 0 and 1 (exclusive)", frac)
	}
	if labels != nil && len(labels) != n {
		return nil, nil, fmt.Errorf("split: %d labels for %d examples", len(labels), n)
	}
	r := rng.New(seed, SplitStream)
	if labels == nil {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		k, err := holdOut(n, frac)
		if err != nil {
			return nil, nil, err
		}
		train, val = pick(all, k, r)
		return sorted(train), sorted(val), nil
	}
	byClass := map[int32][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]int32, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	if len(classes) < 2 {
		return nil, nil, fmt.Errorf("split: all %d examples are of one class; classification needs at least 2 classes", n)
	}
	for _, c := range classes {
		idx := byClass[c]
		if len(idx) < 2 {
			return nil, nil, &ClassSizeError{Class: c, Count: len(idx)}
		}
		k := min(max(int(math.Round(frac*float64(len(idx)))), 1), len(idx)-1)
		tr, va := pick(idx, k, r)
		train, val = append(train, tr...), append(val, va...)
	}
	return sorted(train), sorted(val), nil
}

// holdOut is the number of the n examples a split of frac holds out.
func holdOut(n int, frac float64) (int, error) {
	k := min(max(int(math.Round(frac*float64(n))), 1), n-1)
	if n < 2 {
		return 0, fmt.Errorf("validation split of %d example(s): need at least 2", n)
	}
	return k, nil
}

// pick shuffles idx in place (Fisher–Yates, driven by r) and returns all but
// the last k as train and the last k as val.
func pick(idx []int, k int, r *rng.Rand) (train, val []int) {
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return idx[: len(idx)-k : len(idx)-k], idx[len(idx)-k:]
}

func sorted(s []int) []int {
	slices.Sort(s)
	return s
}
