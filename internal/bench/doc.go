// Package bench measures training and evaluation speed of the reference
// models, side by side with PyTorch when it is installed.
//
// Each case (model, batch size) runs in its own exp process, so that its
// peak resident memory is its own: a fixed number of training steps per
// "epoch" for three epochs, each followed by evaluating the 10k validation
// images. The first epoch compiles the graphs and is left out of the
// timings; resident memory is read after each epoch, and its growth from
// epoch 2 to epoch 3 shows whether memory stays flat.
//
// PyTorch runs ../shared/bench/torch_mnist.py with the same model, batch size
// and step count, at each thread setting given (default threads, and
// OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1), alternating with exp round by
// round to cancel machine drift; exp is compared with the faster setting.
package bench
