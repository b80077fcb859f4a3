// Package cpu is the project's own GoMLX backend, registered as "cpu": a CPU backend tuned to train the
// Keras-reference MNIST models (MLP and small CNN) fast.
//
// Import it for its side effect and create it with backends.NewWithConfig("cpu") (or GOMLX_BACKEND=cpu):
//
//	import _ "github.com/exp-runner/exp/internal/cpu"
//
// # Configuration
//
// The config string is a comma-separated list of options, e.g. "cpu:threads=2":
//
//   - threads=N: goroutines used by large matrix products, im2col and large elementwise ops (default
//     runtime.GOMAXPROCS(0)).
//   - gemm=auto|go|asm|blas: force one float32 matrix-multiplication kernel (default auto); an
//     unavailable kernel falls back to "go".
//   - conv=native|fallback: "fallback" runs every convolution through simplego (debugging).
//   - profile: accumulate the time of each op; see Backend.ProfileReport (debugging).
//
// # Completeness
//
// Every op supported by GoMLX's pure-Go backend ("go", package simplego) works here: ops, dtypes or op
// configurations without a native implementation are built as a one-op simplego computation, compiled once
// at graph-building time and executed with copies of the inputs ("fallback" nodes). So Capabilities is
// simplego's, plus Pad, Reverse and SelectAndScatterMax/Min, which only exist natively here (they are needed
// by the gradients of convolutions, slices and max-pooling).
//
// Native ops (all numeric dtypes and bool where they apply; BFloat16/Float16 go through simplego): Parameter,
// Constant, Identity, Reshape, the unary ops (Neg, Abs, Sign, Exp, Expm1, Log, Log1p, Sqrt, Rsqrt, Tanh,
// Logistic, Erf, Floor, Ceil, Round, Cos, Sin, IsFinite, IsNaN, LogicalNot, BitwiseNot), the binary ops (Add,
// Sub, Mul, Div, Max, Min, Pow, Rem, the comparisons, LogicalAnd/Or/Xor, BitwiseAnd/Or/Xor) with GoMLX's
// broadcasting (scalars, or same rank with dimensions of 1), Where, Clamp, ConvertDType, Transpose,
// Broadcast, BroadcastInDim, Iota, Slice (with strides), Concatenate, Pad, Reverse, ReduceSum/Max/Min/Product,
// ArgMinMax, ReduceWindow, DotGeneral/Dot, ConvGeneral (float32, NHWC-like layouts, see below), Gather,
// ScatterSum/Max/Min, RNGBitGenerator and SelectAndScatterMax/Min. Through simplego: BitCount, Clz, the
// bitwise and logical reductions, the ops simplego doesn't implement (returning its error), and convolutions
// of other dtypes, layouts, or with channel/batch groups.
//
// Elementwise ops compute exactly simplego's values (transcendental functions in float64, as simplego);
// RNGBitGenerator produces exactly simplego's bits and new state (the first two words of the state: simplego
// leaves the third one uninitialized, this backend keeps it), so training from the same seed draws the same
// random numbers (dropout masks, initializations) on both backends. Matrix products, convolutions and
// reductions rewritten as products accumulate in float32 in a different order than simplego: results differ
// within float32 rounding.
//
// # Execution
//
// Nodes run sequentially in topological order; parallelism is only inside large kernels (matrix products,
// im2col, elementwise ops of more than 128 Ki elements per thread). Buffers come from a per-backend free list
// keyed by dtype and size (not emptied by the GC); intermediate results are returned to it as soon as their
// last consumer ran, and elementwise ops, Reshape and Scatter write their output in place of an input buffer
// they own (an intermediate result, or a donated parameter) when they are its last consumer. Broadcast and
// BroadcastInDim feeding a binary op are not materialized: the op reads the source with broadcasting strides.
// In steady state an execution allocates only the slice of its outputs.
//
// Graph rewrites at build time: ReduceSum(Mul(broadcast a, broadcast b)) — how GoMLX's stock gradient of
// Dot/DotGeneral is expressed — is computed as a matrix product instead of materializing the broadcast
// product (for the MLP, a [32, 784, 128] tensor). Div(Exp(Sub(x, max x)), Σ Exp(…)) over the last axis of
// float32 — a softmax, as graph.Softmax and grads.Softmax build it — is computed row by row by one fused node
// (softmax.go); its sums run in another order than ReduceSum's, so it differs within float32 rounding.
//
// # Matrix products
//
// A DotGeneral is normalized to batch × [M×K]·[K×N]: operands whose axes are grouped (batch, then cross and
// contracting axes in either order) are used in place, with the transposition folded in the kernel's
// packing; other layouts are transposed first. float32 products use one of three kernels:
//
//   - "go": portable packed, blocked GEMM (BLIS-like loops, 2×4 register tile) in pure Go, 5-9 GFLOP/s.
//   - "asm": the same packing and blocking with a 6×16 AVX2/FMA micro-kernel in Go assembly (package
//     internal/vec), on amd64 CPUs with AVX2 and FMA, in every build: 58-108 GFLOP/s single-threaded on the
//     reference shapes (21-36 on the smallest and thinnest, [32×128]·[128×10] and [25088×9]·[9×16]).
//   - "blas": cblas_sgemm of OpenBLAS, loaded at run time with dlopen (libopenblas.so.0, libopenblas.so,
//     libblas.so.3 — accepted only if it is OpenBLAS) through cgo, so the build and the binary work
//     without it (and without cgo); 52-120 GFLOP/s single-threaded. OpenBLAS is set to 1 thread: the
//     backend splits products across its own goroutines. Debian: apt-get install libopenblas0-pthread.
//
// The choice (gemm=auto) depends only on the shape and on what is available, never on the number of threads:
// BLAS for products of at least 16 Ki flops when it is loaded (it was the fastest on every shape of the
// reference models, 1.0-2.5× the asm kernel), else asm, else go. Other dtypes use a simple generic
// loop.
//
// Products of at least 32 Mflops are split across threads by rows or columns of the output, on tile
// boundaries: with the go and asm kernels every output element is computed by the same sequence of
// operations whatever the number of threads, so results are bit-for-bit identical for any thread count.
// With BLAS, results are deterministic for a fixed thread count, but may change in the last bits with the
// thread count (each goroutine calls sgemm on its part), and with the OpenBLAS build. Everything else is
// computed identically for any number of threads.
//
// # Convolutions
//
// float32 convolutions are computed as im2col (built in parallel) times the kernel with the GEMM above, for
// the layouts GoMLX uses: forward and input-gradient convolutions of NHWC inputs (any kernel axis order,
// strides, padding, input and kernel dilations), and the kernel-gradient convolution produced by GoMLX's VJP
// (input batch and channel axes swapped, output spatial axes = kernel spatial axes), for which the transposed
// patch matrix is built. With at most 4 input channels, 16 or 32 output channels and no input dilation, like the
// first layer of the reference CNN, the forward and kernel-gradient convolutions are instead computed directly
// with AVX2 rank-1 updates (or weighted row sums), without the patch matrix. Other configurations (other layouts,
// channel or batch groups, other dtypes) run through simplego. Strides and dilations given as nil or 0
// (GoMLX's defaults) are taken as 1.
//
// # Other fast paths
//
// On amd64 with AVX2, the hottest float32 loops (Add, Sub, Mul and Div in all broadcasting patterns, Max
// with a non-negative scalar, Sqrt, Neg, Sign, Exp (with FMA; exp.go), and column sums) use the assembly of
// package internal/vec; they compute exactly the same values as the Go loops. ReduceWindow and SelectAndScatterMax/Min (max-pooling and
// its gradient) combine whole rows of the contiguous trailing axes when the window covers a block of
// consecutive axes (NHWC pooling).
//
// # Generated code
//
// The typed elementwise loops and their dispatch (gen_elementwise.go) are generated by package
// internal/elemgen: run go generate after changing it; TestGenerated fails while the file is out of date.
package cpu
