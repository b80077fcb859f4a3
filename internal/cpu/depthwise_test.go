package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestDepthwiseConv compares the native depthwise convolution (a
// ConvGeneral whose channelGroupCount is the number of input channels) with
// simplego's, and checks that it does not fall back.
func TestDepthwiseConv(t *testing.T) {
	rng := newRng(11)
	axes := backends.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
	}
	for _, tt := range []struct {
		h, w, c, m, kh, kw, s int
		pads                  [][2]int
	}{
		{6, 7, 3, 1, 3, 3, 1, [][2]int{{0, 0}, {0, 0}}},
		{6, 7, 4, 1, 3, 3, 1, [][2]int{{1, 1}, {1, 1}}},
		{7, 6, 2, 3, 3, 2, 2, [][2]int{{1, 1}, {0, 1}}},
		{5, 5, 16, 2, 1, 1, 1, [][2]int{{0, 0}, {0, 0}}},
	} {
		name := fmt.Sprintf("%dx%dx%d_m%d_k%dx%d_s%d_pad%v", tt.h, tt.w, tt.c, tt.m, tt.kh, tt.kw, tt.s, tt.pads)
		t.Run(name, func(t *testing.T) {
			x := randomTensor(rng, dtypes.Float32, -1, 1, 2, tt.h, tt.w, tt.c)
			k := randomTensor(rng, dtypes.Float32, -1, 1, tt.kh, tt.kw, 1, tt.c*tt.m)
			fn := func(ins []*Node) []*Node {
				return []*Node{ConvGeneral(ins[0], ins[1], axes, []int{tt.s, tt.s}, tt.pads, nil, nil, tt.c, 1)}
			}
			ref, _ := run(t, cpuBackendWith(t, "conv=fallback"), fn, []*tensors.Tensor{x, k})
			backend := cpuBackendWith(t, "profile")
			backend.(*Backend).profile.reset()
			got, _ := run(t, backend, fn, []*tensors.Tensor{x, k})
			if err := compareFlat(ref[0], got[0], 1e-5); err != nil {
				t.Fatal(err)
			}
			ops := backend.(*Backend).profile.opTypes()
			if !ops["ConvGeneral"] {
				t.Errorf("no ConvGeneral ran natively: %v", ops)
			}
			for op := range ops {
				if op != "ConvGeneral" {
					t.Errorf("ran %s", op)
				}
			}
		})
	}
}
