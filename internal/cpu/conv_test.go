package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestConv(t *testing.T) {
	rng := newRng(11)
	type convCase struct {
		batch, size, cin, cout, kernel, stride int
		same                                   bool
	}
	var cases []convCase
	for _, k := range []int{1, 3, 5} {
		for _, stride := range []int{1, 2} {
			for _, same := range []bool{false, true} {
				cases = append(cases, convCase{2, 9, 3, 4, k, stride, same})
			}
		}
	}
	cases = append(cases, convCase{4, 28, 1, 16, 3, 1, true}, convCase{4, 14, 16, 32, 3, 1, true}, convCase{3, 8, 5, 7, 2, 2, true})
	// Direct convolutions (few input channels, 16 or 32 output channels): various strides, sizes and paddings.
	cases = append(cases, convCase{2, 9, 2, 16, 3, 2, true}, convCase{2, 10, 3, 32, 5, 2, false},
		convCase{2, 8, 4, 16, 1, 1, false}, convCase{3, 7, 1, 32, 3, 3, true}, convCase{2, 11, 2, 16, 4, 3, true},
		convCase{2, 6, 1, 16, 5, 1, true})
	for _, c := range cases {
		name := fmt.Sprintf("b%d_s%d_cin%d_cout%d_k%d_stride%d_same%v", c.batch, c.size, c.cin, c.cout, c.kernel, c.stride, c.same)
		x := randomTensor(rng, dtypes.Float32, -1, 1, c.batch, c.size, c.size, c.cin)
		kernel := randomTensor(rng, dtypes.Float32, -1, 1, c.kernel, c.kernel, c.cin, c.cout)
		conv := func(x, k *Node) *Node {
			cb := Convolve(x, k).Strides(c.stride).Dilations(1)
			if c.same {
				cb = cb.PadSame()
			} else {
				cb = cb.NoPadding()
			}
			return cb.Done()
		}
		t.Run("Forward/"+name, func(t *testing.T) {
			compareBackends(t, func(ins []*Node) []*Node { return []*Node{conv(ins[0], ins[1])} },
				[]*tensors.Tensor{x, kernel}, 1e-4)
		})
		t.Run("Gradients/"+name, func(t *testing.T) {
			lossFn := func(x, k *Node) *Node {
				y := conv(x, k)
				return ReduceAllSum(Mul(y, y))
			}
			// simplego has no Reverse, used by GoMLX's convolution gradient: compare with the cpu backend
			// running the convolutions through simplego (Reverse is tested in TestPadReverse).
			ref, _ := run(t, cpuBackendWith(t, "conv=fallback"), func(ins []*Node) []*Node {
				return Gradient(lossFn(ins[0], ins[1]), ins[0], ins[1])
			}, []*tensors.Tensor{x, kernel})
			for _, config := range gemmConfigs() {
				got, _ := run(t, cpuBackendWith(t, config), func(ins []*Node) []*Node {
					return Gradient(lossFn(ins[0], ins[1]), ins[0], ins[1])
				}, []*tensors.Tensor{x, kernel})
				for i := range ref {
					if err := compareFlat(ref[i], got[i], 1e-4); err != nil {
						t.Fatalf("config %q, gradient #%d: %v", config, i, err)
					}
				}
			}
		})
	}
	// Channels-first layout: not a fast-path layout, it runs through simplego.
	t.Run("ChannelsFirst", func(t *testing.T) {
		x := randomTensor(rng, dtypes.Float32, -1, 1, 2, 3, 9, 9)
		kernel := randomTensor(rng, dtypes.Float32, -1, 1, 3, 4, 3, 3)
		compareBackends(t, func(ins []*Node) []*Node {
			axes := ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
				KernelInputChannels: 0, KernelOutputChannels: 1, KernelSpatial: []int{2, 3},
				OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
			return []*Node{Convolve(ins[0], ins[1]).AxesConfig(axes).Strides(1).Dilations(1).PadSame().Done()}
		}, []*tensors.Tensor{x, kernel}, 1e-4)
	})
}
