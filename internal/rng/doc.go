// Package rng is exp's random number generator: a small PCG generator whose
// sequence for a seed never changes under the project, so that stored runs,
// planned sweeps and proposals stay reproducible. Every draw that decides
// what a run or a sweep does comes from it: data order and splits (package
// data), random search and its replay (packages plan and search), synthetic
// data (package datasets).
//
// A generator is seeded with a seed and a stream: draws for different
// purposes use different streams of one seed, so that they never share
// random numbers. RandomSearch is the stream that plan's random search
// draws from and that search replays.
package rng
