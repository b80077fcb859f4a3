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
//	embedding   input_dim (required; fed by a text column: its vocabulary
//	            size), output_dim (required), mask_zero (false)
//	upsampling2d   size (2), interpolation (nearest)
//	zeropadding2d  padding (1)
//	cropping2d     cropping (0)
//	lstm        units (required), activation (tanh), recurrent_activation
//	            (sigmoid), return_sequences (false), unit_forget_bias (true),
//	            bidirectional (false)
//	gru         as lstm, with reset_after (true) instead of unit_forget_bias
//	multiheadattention  num_heads (required), key_dim (required), value_dim
//	            (key_dim), dropout (0), use_bias (true), causal (false);
//	            one input, or inputs: [query, value]
//	transformer num_heads (required), intermediate_dim (required), dropout (0),
//	            activation (relu), normalize_first (false),
//	            layer_norm_epsilon (1e-5)
//	positionembedding     sequence_length (the input's steps)
//	sinepositionencoding  max_wavelength (10000)
//	onnx        path (required), output (the graph's only output), layout
//	            (nchw), trainable (false), unfreeze_at_epoch (0): a network
//	            from an ONNX file (package internal/onnx), a
//	            registry.FileLayer and registry.Unfreezer
//
// kernel_size, strides, pool_size and size take one integer for both axes or
// a list [height, width]; padding (zeropadding2d) and cropping take one
// integer, [height, width] or [[top, bottom], [left, right]]. The merge layers
// implement registry.MultiInput and take the layers named by `inputs`.
//
// Padding masks (see registry.MaskMaker): embedding with mask_zero starts
// one; dense, dropout, layernorm, activation, the position layers, add,
// multiply and concat along features pass it on (mask.go); the 1-D global
// poolings, lstm, gru, multiheadattention and transformer read it
// (registry.MaskUser). Attention's softmax is grads.Softmax, which the cpu
// backend runs as one fused node.
package layers
