// Package data decides, from seeds alone, which examples a run trains and
// validates on and in what order:
//
//   - Permutation is the order in which an epoch visits the training
//     examples, a function of the run's seed and the epoch, so that a
//     resumed run sees exactly the batches an uninterrupted one would;
//   - SplitIndices holds out a seeded validation split, stratified by
//     class. registry.Split.Apply (what exp's csv, npz and images datasets
//     and a Go program's own datasets split with) and package tabular use
//     it.
//
// The examples themselves are registry.Examples and registry.Data, and the
// random numbers come from package rng. The datasets a config can name
// live in package datasets: mnist, linear (synthetic regression), and a
// user's files as csv, npz and images; a Go program registers its own
// (examples/customdataset).
package data
