// Package data holds datasets in memory and hands them out in batches: the
// Split and Set types, and the deterministic shuffling that makes a run's data
// order a function of its seed and epoch alone (so a resumed run sees exactly
// the batches an uninterrupted one would).
//
// Loaders for particular datasets (MNIST, synthetic regression) live in
// package datasets.
package data
