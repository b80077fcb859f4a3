// Package npy reads NumPy arrays: .npy files (format versions 1 to 3,
// little-endian, C order) and .npz archives of them (stored or deflated), as
// numpy.save and numpy.savez(_compressed) write them. Arrays keep a compact
// Go type: uint8 stays uint8 (images), floats become float32, integers
// int32 or int64. LoadXY loads the examples and labels or targets of a
// `dataset: npz` config.
package npy
