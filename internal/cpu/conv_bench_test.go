package cpu

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convBenchCase is one of the convolutions of the reference CNN's train step (batch 32).
type convBenchCase struct {
	name          string
	input, kernel []int
	axes          backends.ConvolveAxesConfig
	paddings      [][2]int
}

var (
	nhwc = backends.ConvolveAxesConfig{InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3}
	// nhwcInputGrad is the configuration of GoMLX's input gradient: kernel channels swapped.
	nhwcInputGrad = backends.ConvolveAxesConfig{InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 3, KernelOutputChannels: 2,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3}
	// nhwcKernelGrad is the configuration of GoMLX's kernel gradient: batch and channels swapped.
	nhwcKernelGrad = backends.ConvolveAxesConfig{InputBatch: 3, InputSpatial: []int{1, 2}, InputChannels: 0,
		KernelSpatial: []int{1, 2}, KernelInputChannels: 0, KernelOutputChannels: 3,
		OutputBatch: 2, OutputSpatial: []int{0, 1}, OutputChannels: 3}
	same3 = [][2]int{{1, 1}, {1, 1}}
)

var convBenchCases = []convBenchCase{
	{"conv1_fwd", []int{32, 28, 28, 1}, []int{3, 3, 1, 16}, nhwc, same3},
	{"conv1_dK", []int{32, 28, 28, 1}, []int{32, 28, 28, 16}, nhwcKernelGrad, same3},
	{"conv2_fwd", []int{32, 14, 14, 16}, []int{3, 3, 16, 32}, nhwc, same3},
	{"conv2_dX", []int{32, 14, 14, 32}, []int{3, 3, 16, 32}, nhwcInputGrad, same3},
	{"conv2_dK", []int{32, 14, 14, 16}, []int{32, 14, 14, 32}, nhwcKernelGrad, same3},
}

// BenchmarkConv measures the convolutions of the reference CNN (forward, input and kernel gradients).
//
//	go test -bench Conv -run XXX ./internal/cpu/
func BenchmarkConv(b *testing.B) {
	for _, c := range convBenchCases {
		b.Run(c.name, func(b *testing.B) {
			backend := cpuBackend(b)
			builder := backend.Builder(c.name)
			in, _ := builder.Parameter("in", shapes.Make(dtypes.Float32, c.input...), nil)
			k, _ := builder.Parameter("k", shapes.Make(dtypes.Float32, c.kernel...), nil)
			out, err := builder.ConvGeneral(in, k, c.axes, []int{1, 1}, c.paddings, nil, nil, 1, 1)
			if err != nil {
				b.Fatal(err)
			}
			exec, err := builder.Compile([]backends.Op{out}, nil)
			if err != nil {
				b.Fatal(err)
			}
			inBuf, _ := backend.BufferFromFlatData(0, randomFloats(shapes.Make(dtypes.Float32, c.input...).Size(), 1), shapes.Make(dtypes.Float32, c.input...))
			kBuf, _ := backend.BufferFromFlatData(0, randomFloats(shapes.Make(dtypes.Float32, c.kernel...).Size(), 2), shapes.Make(dtypes.Float32, c.kernel...))
			b.ReportAllocs()
			for b.Loop() {
				outs, err := exec.Execute([]backends.Buffer{inBuf, kBuf}, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				_ = backend.BufferFinalize(outs[0])
			}
		})
	}
}
