// Package onnx turns a pretrained network stored as an ONNX file into part
// of an exp model: a GoMLX graph whose weights are variables that can be
// frozen or trained.
//
// It is built on github.com/gomlx/onnx-gomlx (v0.3.4, the version made for
// GoMLX v0.26), which parses the file and converts the long tail of ops.
// The ops backbones spend their time in (convolutions, batch
// normalization, pooling, matrix products, activations, Resize,
// ConvTranspose) are converted here instead, so that:
//
//   - images stay channels-last from the input to the last op that needs
//     them channels-first, which is what the cpu backend computes natively
//     (the transposition of an NCHW model's input is free: exp's images are
//     already channels-last);
//   - convolution kernels are stored as variables [k..., in, out], so no
//     step transposes them;
//   - BatchNormalization always runs in inference mode on the exported
//     running statistics, which are non-trainable and get no gradient;
//   - ops onnx-gomlx lacks (Sigmoid, HardSigmoid, HardSwish, Resize,
//     ConvTranspose, PRelu, Elu, Gelu, …) are converted.
//
// Nodes whose inputs are all constants (the shape arithmetic PyTorch
// exports) are computed once when the graph is built.
//
// Use:
//
//	m, err := onnx.Open(path, maxBytes)            // reads the file and its external data
//	err = m.Validate(onnx.Options{Output: "..."})  // every unsupported op, before training
//	s, err := m.Summarize(backend, opts, []int{224, 224, 3}, trainable)
//	y, err := m.Build(ctx, x, opts, trainable)     // in a model's graph
//
// Errors name the file, and the node and op where one is at fault:
// `backbones/x.onnx: node "/layer1/Conv_3": op ConvTranspose is not supported`.
package onnx
