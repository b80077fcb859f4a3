// Package grads holds exp's gradient formulations for GoMLX graphs, so that
// models train correctly and fast on every backend, including GoMLX's pure-Go
// backend ("go"), which lacks some of the ops GoMLX's own gradients use.
//
// It works through GoMLX's public extension point, the graph.VJPRegistration
// map, set from init (import this package for its effect):
//
//   - Dot (2-D matrix products): GoMLX's gradient materialises a broadcast
//     [i,j,k] product and reduces it; here it is the two matrix products it
//     stands for, dA = dC·Bᵀ and dB = Aᵀ·dC, as DotGeneral contractions (no
//     transposes materialised).
//
//   - ConvGeneral built by Conv2D: GoMLX's input gradient needs Reverse (and
//     its kernel size checks), which the pure-Go backend lacks; here the input
//     gradient is a convolution of the dilated output gradient with the
//     kernel flipped by slicing, and the kernel gradient a convolution with
//     batch and channel axes swapped. Other convolutions keep GoMLX's gradient.
//
//   - Rsqrt: GoMLX v0.26 defines no gradient for it; here dy/dx = -y³/2.
//
// Pad emulates graph.Pad (also the gradient of Slice) by concatenation on
// backends without it.
package grads
