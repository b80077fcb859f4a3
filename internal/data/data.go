package data

import "github.com/exp-runner/exp/internal/rng"

// Permutation returns the order in which epoch (1-based) of a run seeded with
// seed visits n examples: a Fisher–Yates shuffle drawn from stream epoch of
// the seed, a function of (seed, epoch, n) alone.
func Permutation(seed int64, epoch, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	rng.New(uint64(seed), uint64(epoch)).Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}
