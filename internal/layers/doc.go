// Package layers provides the layer types and activations a model's
// `layers:` list may use, registered in registry.Layers and
// registry.Activations from init. Semantics and defaults follow Keras:
// glorot-uniform kernels and zero biases, BatchNorm on batch statistics in
// training and on its moving averages (momentum 0.99, epsilon 0.001) in
// evaluation, inverted dropout in training only, channels-last images.
//
//	dense      units (required), activation (linear), use_bias (true)
//	conv2d     filters (required), kernel_size (required), strides (1),
//	           padding (valid; valid|same), activation (linear), use_bias (true)
//	maxpool2d  pool_size (2), strides (pool_size), padding (valid)
//	avgpool2d  pool_size (2), strides (pool_size), padding (valid)
//	batchnorm  momentum (0.99), epsilon (0.001), center (true), scale (true)
//	dropout    rate (required, in [0, 1))
//	flatten    (no parameters)
//	reshape    shape (required; the shape without the batch axis, one -1 allowed)
//	activation activation (required)
//
// kernel_size, strides and pool_size take one integer for both axes or a
// list [height, width].
package layers
