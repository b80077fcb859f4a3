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
//	add, multiply       (its inputs, of equal shapes)
//	concat              axis (-1)
//	globalavgpool2d, globalmaxpool2d, globalavgpool1d, globalmaxpool1d
//	                    keepdims (false)
//	conv1d      filters (required), kernel_size (required), strides (1),
//	            padding (valid; valid|same|causal), activation (linear), use_bias (true)
//	maxpool1d, avgpool1d  pool_size (2), strides (pool_size), padding (valid)
//	depthwiseconv2d  kernel_size (required), strides (1), padding (valid),
//	            depth_multiplier (1), activation (linear), use_bias (true)
//	separableconv2d  filters (required) and the parameters of depthwiseconv2d
//	layernorm   epsilon (0.001), center (true), scale (true)
//	embedding   input_dim (required), output_dim (required)
//	upsampling2d   size (2), interpolation (nearest)
//	zeropadding2d  padding (1)
//	cropping2d     cropping (0)
//
// kernel_size, strides, pool_size and size take one integer for both axes or
// a list [height, width]; padding (zeropadding2d) and cropping take one
// integer, [height, width] or [[top, bottom], [left, right]]. The merge layers
// implement registry.MultiInput and take the layers named by `inputs`.
package layers
