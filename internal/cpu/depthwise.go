package cpu

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// depthwiseData is the plan of a depthwise convolution: a ConvGeneral of
// channels-last images whose channelGroupCount equals the input channels,
// each channel convolved with its own m filters.
type depthwiseData struct {
	b, h, w, c, m, kh, kw, oh, ow int
	strides                       [2]int
	pads                          [2]int // top, left
}

// planDepthwise returns the plan of a depthwise convolution, or nil if the
// op is not one the native kernel runs: float32 NHWC input, HWIO kernel with
// one input channel per group, no dilations, no batch groups.
func planDepthwise(input, kernel, out shapes.Shape, axes backends.ConvolveAxesConfig, strides []int, paddings [][2]int,
	inputDilations, kernelDilations []int, channelGroupCount, batchGroupCount int) *depthwiseData {
	if input.DType != dtypes.Float32 || input.Rank() != 4 || batchGroupCount != 1 ||
		channelGroupCount != input.Dimensions[3] || channelGroupCount < 2 || kernel.Dimensions[2] != 1 {
		return nil
	}
	if axes.InputBatch != 0 || axes.InputChannels != 3 || axes.InputSpatial[0] != 1 || axes.InputSpatial[1] != 2 ||
		axes.KernelSpatial[0] != 0 || axes.KernelSpatial[1] != 1 || axes.KernelInputChannels != 2 || axes.KernelOutputChannels != 3 ||
		axes.OutputBatch != 0 || axes.OutputSpatial[0] != 1 || axes.OutputSpatial[1] != 2 || axes.OutputChannels != 3 {
		return nil
	}
	for i := range 2 {
		if inputDilations[i] != 1 || kernelDilations[i] != 1 {
			return nil
		}
	}
	d := input.Dimensions
	return &depthwiseData{
		b: d[0], h: d[1], w: d[2], c: d[3], m: kernel.Dimensions[3] / d[3],
		kh: kernel.Dimensions[0], kw: kernel.Dimensions[1], oh: out.Dimensions[1], ow: out.Dimensions[2],
		strides: [2]int{strides[0], strides[1]}, pads: [2]int{paddings[0][0], paddings[1][0]},
	}
}

// depthwiseJob computes rows (batch × output row) of a depthwise convolution.
type depthwiseJob struct {
	d          *depthwiseData
	in, k, out []float32
}

func (j *depthwiseJob) runPart(part, numParts int) {
	d := j.d
	rows := d.b * d.oh
	for r := part * rows / numParts; r < (part+1)*rows/numParts; r++ {
		j.row(r/d.oh, r%d.oh)
	}
}

// row computes out[n, i, :, :]: for each output column and kernel tap
// inside the image, out[o] += x[o/m]·k[p, q, 0, o] over the output channels o.
func (j *depthwiseJob) row(n, i int) {
	d := j.d
	cm := d.c * d.m
	for jj := range d.ow {
		o := j.out[((n*d.oh+i)*d.ow+jj)*cm:][:cm]
		clear(o)
		for p := range d.kh {
			y := i*d.strides[0] + p - d.pads[0]
			if y < 0 || y >= d.h {
				continue
			}
			for q := range d.kw {
				x := jj*d.strides[1] + q - d.pads[1]
				if x < 0 || x >= d.w {
					continue
				}
				in := j.in[((n*d.h+y)*d.w+x)*d.c:][:d.c]
				k := j.k[(p*d.kw+q)*cm:][:cm]
				if d.m == 1 {
					for c, v := range in {
						o[c] += v * k[c]
					}
					continue
				}
				for c, v := range in {
					oc, kc := o[c*d.m:][:d.m], k[c*d.m:][:d.m]
					for t := range oc {
						oc[t] += v * kc[t]
					}
				}
			}
		}
	}
}

func execDepthwise(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*depthwiseData)
	out := st.newBuf(n.shape)
	j := &depthwiseJob{d: d, in: ins[0].flat.([]float32), k: ins[1].flat.([]float32), out: out.flat.([]float32)}
	parts := min(st.b.threads, d.b*d.oh, max(1, n.shape.Size()*d.kh*d.kw/(64*1024)))
	st.b.workers.run(j, parts, &st.wg)
	return out, nil
}
