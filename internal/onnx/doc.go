// Package onnx turns a pretrained network stored as an ONNX file into part
// of an exp model: a GoMLX graph whose weights are variables, frozen or
// trainable.
//
// # Use
//
//	m, err := onnx.Open(path, maxBytes)   // the file and its external data, size-checked first
//	opts := onnx.Options{Output: "/Flatten_output_0", Layout: onnx.NCHW}
//	err = m.Validate(opts)                // every unsupported op at once; no graph built
//	s, err := m.Summarize(backend, opts, []int{224, 224, 3}, trainable) // built, not run
//	y, err := m.Build(ctx, x, opts, trainable)                            // in a model's graph
//
// Errors name the file, and the node and op at fault:
// `backbones/x.onnx: node "/layer1/Conv_3": op ConvTranspose is not supported`.
//
// # Inputs, outputs, layout
//
// The graph must have one data input. x is a batch in exp's layout, batch
// axis first. With Layout NCHW (what PyTorch exports; the default) a rank-4
// x is exp's channels-last images and is given to the graph as [N, C, H, W];
// a rank-4 output comes back channels-last; other ranks pass unchanged. With
// NHWC nothing is transposed. x is converted to the input's declared dtype
// (int64 token ids, for instance).
//
// Options.Output cuts the graph at any tensor a node computes (default: the
// graph's only output); an unknown name is an error listing the nearest.
//
// A model exported with a fixed batch size (no dynamic_axes) is built for
// any batch: Reshapes whose target starts with that batch size take the
// batch being built. Where the graph bakes the batch in otherwise, the error
// says how to export with a dynamic batch; Summarize builds with a batch of
// 2 so that this shows before training.
//
// # Weights
//
// Float initializers read as data (not as shapes or axes) are weights:
// Build makes them variables of ctx's scope "ONNX" (onnx-gomlx's names),
// created from the file the first time. With trainable false they are all
// non-trainable: exp's training step takes no gradient for them and the
// optimizer keeps no state. BatchNormalization's running mean and variance
// are never trainable and get no gradient; BatchNormalization always runs
// in inference mode, on those exported statistics, trained or not.
// Convolution kernels are stored [k..., in, out]. Summary counts the weights
// the cut reads, split as they train (Keras: frozen means all
// non-trainable).
//
// PyTorch folds BatchNorm into the preceding convolutions when it exports
// in eval mode (the default); torch.onnx.export(...,
// training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
// keeps them.
//
// # Conversion
//
// It is built on github.com/gomlx/onnx-gomlx v0.3.4 (the version made for
// GoMLX v0.26), which parses the file and converts the long tail of ops
// (Slice, Where, Expand, Split, LSTM, ...: delegated). The ops backbones
// spend their time in are converted here, so that images stay channels-last
// from the input to the last op that needs them channels-first, which is
// how the cpu backend computes convolutions and pooling natively: Conv
// (grouped and depthwise too), ConvTranspose, BatchNormalization, MaxPool,
// AveragePool (padding counted or not, ceil_mode), the global poolings,
// Gemm, MatMul, Resize (nearest and linear, every coordinate mode),
// Softmax, LayerNormalization, Pad, Concat, Reshape, Flatten, Transpose,
// Gather, the reductions, and the activations (Relu, LeakyRelu, PRelu,
// Sigmoid, HardSigmoid, HardSwish, Tanh, Elu, Selu, Gelu, Mish, Softplus,
// Clip, ...), of which onnx-gomlx lacks several. Nodes whose inputs are all
// constants (PyTorch's shape arithmetic) are computed once when the graph
// is built. Opsets 11 and later are accepted.
//
// GoMLX v0.26 lacks some gradients, or computes them slowly: this package
// registers (see grads.go), for the nodes it makes, the gradients of Pad,
// Reverse and Expm1, and faster ones for strided and depthwise
// convolutions.
package onnx
