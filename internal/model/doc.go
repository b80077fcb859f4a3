// Package model turns a config's layer stack into GoMLX graphs: the forward
// pass, the loss, and the training step (gradients plus an optimizer update)
// and evaluation step the runner executes.
//
// Each layer is built in its own context scope, named Keras-style after its
// type ("dense", "dense_1", …) unless the config names it. A final softmax is
// folded into the cross-entropy loss, which then takes logits. Inspect builds
// the graph once, without running it, to report shape errors at the
// offending layer's line and to summarise the model.
//
// GoMLX reports a graph it cannot build or run by panicking. Catch is the
// one place where exp turns such a panic into an error: building layers
// and models here, creating backends (NewBackend), training (package
// train) and predicting (package infer) go through it.
//
// The losses a config may name in `train.loss` are registered here:
// sparse_categorical_crossentropy, mse and mae.
package model
