package cpu

import (
	"slices"

	"github.com/exp-runner/exp/internal/cpu/internal/vec"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Convolutions are computed as an im2col "patches" matrix times the kernel matrix, with the fast GEMM.
//
// With b = batch, os = output spatial, ks = kernel spatial, ic/oc = input/output channels:
//
//	out[b, os, oc] = Σ_{ks, ic} in[b, os*stride + ks*kernelDilation - padLow (÷ inputDilation), ic] · kernel[ks, ic, oc]
//	C[M=(b,os), N=oc] = P[M, K=(ks,ic)] · W[K, N]
//
// Two layouts have a fast path:
//
//   - "normal" (forward and input-gradient convolutions of NHWC tensors): the input is [b, spatial..., ic], the
//     output [b, spatial..., oc]. P is built row by row, copying runs of ic contiguous values.
//   - "transposed" (the kernel gradient GoMLX's VJP produces): the input is [ic, spatial..., b] (the batch and
//     channel axes swapped), the kernel [ic, spatial..., oc] and the output [spatial..., b, oc]. Pᵀ (K×M) is built
//     row by row, copying runs of b contiguous values, and C = Pᵀᵀ·W.
//
// The kernel is used in place when it is [ks..., ic, oc] (normal) or [ic, ks..., oc] (transposed), otherwise it is
// first transposed to that layout. Anything else (other layouts, grouped convolutions, other dtypes) runs
// through simplego.

type convData struct {
	transposed bool
	spatial    int

	// Sizes: a is the outer index of P's rows (b for normal, ic for transposed), u the spatial index of the
	// rows (os for normal, ks for transposed), v the spatial index of the columns (ks for normal, os for
	// transposed) and c the contiguous run (ic for normal, b for transposed).
	aSize, cSize int
	uDims, vDims []int
	// Input position: pos[d] = u[d]*uMul[d] + v[d]*vMul[d] - padLow[d]; valid if 0 <= pos, pos % inDil == 0
	// and pos/inDil < inDims[d].
	uMul, vMul, padLow, inDil, inDims []int
	// Input strides for a, each spatial dim, and c.
	aStride, cStride int
	inSpatialStrides []int

	m, n, k int

	kernelPlan *stridedCopyPlan // Non-nil if the kernel needs to be transposed into the W layout.
	kind       gemmKind

	// direct is set for 2D convolutions with few channels in the contiguous run (c <= directMaxC) and 16 or
	// 32 output channels: they are computed directly with rank-1 updates (forward) or weighted row sums
	// (transposed), without building the patches matrix. ger/gemvT are the kernels for n.
	direct bool
	ger    func(a []float32, aStride int, w, c []float32)
	gemvT  func(a []float32, aStride int, c, acc []float32)
}

// directMaxC is the largest contiguous run (input channels, or batch for the kernel gradient) of the direct
// convolutions: above it, im2col runs are long enough for the GEMM path to be faster.
const directMaxC = 4

// ConvGeneral implements backends.Builder.
func (b *Builder) ConvGeneral(inputOp, kernelOp backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	opType := backends.OpTypeConvGeneral
	nodes, err := b.checkOps(opType.String(), inputOp, kernelOp)
	if err != nil {
		return nil, err
	}
	input, kernel := nodes[0], nodes[1]
	spatial := input.shape.Rank() - 2
	// Sanitize: GoMLX passes nil (or zeros) for the defaults.
	strides = sanitizeOnes(strides, spatial)
	inputDilations = sanitizeOnes(inputDilations, spatial)
	kernelDilations = sanitizeOnes(kernelDilations, spatial)
	if len(paddings) == 0 && spatial > 0 {
		paddings = make([][2]int, spatial)
	}
	channelGroupCount = max(channelGroupCount, 1)
	batchGroupCount = max(batchGroupCount, 1)
	axes = axes.Clone()

	shape, err := shapeinference.ConvGeneralOp(input.shape, kernel.shape, axes, strides, paddings,
		inputDilations, kernelDilations, channelGroupCount, batchGroupCount)
	if err != nil {
		return nil, err
	}
	if dw := planDepthwise(input.shape, kernel.shape, shape, axes, strides, paddings, inputDilations, kernelDilations,
		channelGroupCount, batchGroupCount); dw != nil && !b.backend.convFallback {
		n := b.newNode(opType, shape, execDepthwise, input, kernel)
		n.data = dw
		return n, nil
	}
	d := planConv(input.shape, kernel.shape, shape, axes, strides, paddings, inputDilations, kernelDilations)
	if d == nil || b.backend.convFallback || channelGroupCount != 1 || batchGroupCount != 1 || input.shape.DType != dtypes.Float32 {
		return b.fallback1(opType, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
			return one(sb.ConvGeneral(p[0], p[1], axes, strides, paddings, inputDilations, kernelDilations,
				channelGroupCount, batchGroupCount))
		})
	}
	d.kind = b.backend.selectGemm(d.m, d.n, d.k)
	if vec.HasFMA && d.spatial == 2 && d.cSize <= directMaxC && d.inDil[0] == 1 && d.inDil[1] == 1 {
		switch d.n {
		case 16:
			d.direct, d.ger, d.gemvT = true, vec.Ger16, vec.GemvT16
		case 32:
			d.direct, d.ger, d.gemvT = true, vec.Ger32, vec.GemvT32
		}
	}
	n := b.newNode(opType, shape, execConv, input, kernel)
	n.data = d
	return n, nil
}

func sanitizeOnes(values []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
		if i < len(values) && values[i] > 0 {
			out[i] = values[i]
		}
	}
	return out
}

// consecutive returns whether the axes are consecutive and increasing, starting at first.
func consecutive(axes []int, first int) bool {
	for i, a := range axes {
		if a != first+i {
			return false
		}
	}
	return true
}

// planConv returns the fast-path plan, or nil if the layout is not supported.
func planConv(in, kernel, out shapes.Shape, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int) *convData {
	rank := in.Rank()
	spatial := rank - 2
	if spatial < 1 {
		return nil
	}
	d := &convData{spatial: spatial}
	inStrides := rowMajorStrides(in.Dimensions)
	var kernelOrder []int // Axes order of the W matrix: K axes then oc.
	switch {
	case axes.InputBatch == 0 && consecutive(axes.InputSpatial, 1) && axes.InputChannels == rank-1 &&
		axes.OutputBatch == 0 && consecutive(axes.OutputSpatial, 1) && axes.OutputChannels == rank-1:
		// Normal: rows (b, os...), columns (ks..., ic).
		d.aSize = in.Dimensions[axes.InputBatch]
		d.cSize = in.Dimensions[axes.InputChannels]
		d.aStride, d.cStride = inStrides[axes.InputBatch], inStrides[axes.InputChannels]
		for i := range spatial {
			d.uDims = append(d.uDims, out.Dimensions[axes.OutputSpatial[i]])
			d.vDims = append(d.vDims, kernel.Dimensions[axes.KernelSpatial[i]])
			d.uMul = append(d.uMul, strides[i])
			d.vMul = append(d.vMul, kernelDilations[i])
		}
		kernelOrder = append(slices.Clone(axes.KernelSpatial), axes.KernelInputChannels, axes.KernelOutputChannels)
	case axes.InputChannels == 0 && consecutive(axes.InputSpatial, 1) && axes.InputBatch == rank-1 &&
		consecutive(axes.OutputSpatial, 0) && axes.OutputBatch == rank-2 && axes.OutputChannels == rank-1:
		// Transposed: Pᵀ rows (ic, ks...), columns (os..., b).
		d.transposed = true
		d.aSize = in.Dimensions[axes.InputChannels]
		d.cSize = in.Dimensions[axes.InputBatch]
		d.aStride, d.cStride = inStrides[axes.InputChannels], inStrides[axes.InputBatch]
		for i := range spatial {
			d.uDims = append(d.uDims, kernel.Dimensions[axes.KernelSpatial[i]])
			d.vDims = append(d.vDims, out.Dimensions[axes.OutputSpatial[i]])
			d.uMul = append(d.uMul, kernelDilations[i])
			d.vMul = append(d.vMul, strides[i])
		}
		kernelOrder = append([]int{axes.KernelInputChannels}, axes.KernelSpatial...)
		kernelOrder = append(kernelOrder, axes.KernelOutputChannels)
	default:
		return nil
	}
	for i := range spatial {
		d.padLow = append(d.padLow, paddings[i][0])
		d.inDil = append(d.inDil, inputDilations[i])
		d.inDims = append(d.inDims, in.Dimensions[axes.InputSpatial[i]])
		d.inSpatialStrides = append(d.inSpatialStrides, inStrides[axes.InputSpatial[i]])
	}
	rows, cols := d.aSize, d.cSize
	for i := range spatial {
		rows *= d.uDims[i]
		cols *= d.vDims[i]
	}
	d.n = kernel.Dimensions[axes.KernelOutputChannels]
	if d.transposed {
		d.k, d.m = rows, cols
	} else {
		d.m, d.k = rows, cols
	}
	if !consecutive(kernelOrder, 0) {
		d.kernelPlan = transposePlan(kernel, kernelOrder)
	}
	return d
}

// im2colRows builds rows [r0, r1) of the patches matrix (P for normal, Pᵀ for transposed convolutions): rows
// (a, u...), columns (v..., c).
func im2colRows(d *convData, in, dst []float32, r0, r1 int) {
	spatial := d.spatial
	var uIdx, vIdx [maxBroadcastRank]int
	rowLen := d.cSize
	for _, v := range d.vDims {
		rowLen *= v
	}
	numU := 1
	for _, u := range d.uDims {
		numU *= u
	}
	numV := rowLen / d.cSize
	c := d.cSize
	for row := r0; row < r1; row++ {
		a := row / numU
		rem := row % numU
		for i := spatial - 1; i >= 0; i-- {
			uIdx[i] = rem % d.uDims[i]
			rem /= d.uDims[i]
		}
		aOff := a * d.aStride
		{
			out := dst[row*rowLen : (row+1)*rowLen]
			for i := range spatial {
				vIdx[i] = 0
			}
			for vi := range numV {
				seg := out[vi*c : (vi+1)*c]
				off := aOff
				valid := true
				for i := range spatial {
					pos := uIdx[i]*d.uMul[i] + vIdx[i]*d.vMul[i] - d.padLow[i]
					if pos < 0 {
						valid = false
						break
					}
					if dil := d.inDil[i]; dil > 1 {
						if pos%dil != 0 {
							valid = false
							break
						}
						pos /= dil
					}
					if pos >= d.inDims[i] {
						valid = false
						break
					}
					off += pos * d.inSpatialStrides[i]
				}
				switch {
				case !valid:
					clear(seg)
				case d.cStride == 1:
					copy(seg, in[off:off+c])
				default:
					for j := range seg {
						seg[j] = in[off+j*d.cStride]
					}
				}
				for i := spatial - 1; i >= 0; i-- {
					vIdx[i]++
					if vIdx[i] < d.vDims[i] {
						break
					}
					vIdx[i] = 0
				}
			}
		}
	}
}

// im2colJob builds the patches matrix in parallel, by rows.
type im2colJob struct {
	d       *convData
	in, dst []float32
	rows    int
}

func (j *im2colJob) runPart(part, numParts int) {
	r0, r1 := j.rows*part/numParts, j.rows*(part+1)/numParts
	if j.d.spatial == 2 {
		im2col2D(j.d, j.in, j.dst, r0, r1)
	} else {
		im2colRows(j.d, j.in, j.dst, r0, r1)
	}
}

// im2colMinPerThread is the minimum number of patch values built by each goroutine.
const im2colMinPerThread = 32 * 1024

func (st *execState) im2col(d *convData, in, dst []float32) {
	rows := d.aSize
	for _, u := range d.uDims {
		rows *= u
	}
	j := &st.im2colJob
	*j = im2colJob{d: d, in: in, dst: dst, rows: rows}
	parts := min(st.b.threads, max(1, len(dst)/im2colMinPerThread), rows)
	st.b.workers.run(j, parts, &st.wg)
	*j = im2colJob{}
}

// im2col2D is im2colRows for 2 spatial dimensions, for rows [r0, r1). When consecutive positions of the last
// spatial dimension are contiguous in the input (no dilation, channels contiguous), each row of the kernel
// window is copied at once.
func im2col2D(d *convData, in, dst []float32, r0, r1 int) {
	U0, U1 := d.uDims[0], d.uDims[1]
	V0, V1 := d.vDims[0], d.vDims[1]
	uMul0, uMul1, vMul0, vMul1 := d.uMul[0], d.uMul[1], d.vMul[0], d.vMul[1]
	pad0, pad1 := d.padLow[0], d.padLow[1]
	dil0, dil1 := d.inDil[0], d.inDil[1]
	H, W := d.inDims[0], d.inDims[1]
	sH, sW := d.inSpatialStrides[0], d.inSpatialStrides[1]
	c, cStride := d.cSize, d.cStride
	segLen := V1 * c
	rowLen := V0 * segLen
	contiguous := cStride == 1 && dil1 == 1 && vMul1 == 1 && sW == c
	for row := r0; row < r1; row++ {
		u1 := row % U1
		u0 := (row / U1) % U0
		a := row / (U1 * U0)
		aOff := a * d.aStride
		base0 := u0*uMul0 - pad0
		base1 := u1*uMul1 - pad1
		out := dst[row*rowLen : (row+1)*rowLen]
		for v0 := range V0 {
			seg := out[v0*segLen : (v0+1)*segLen]
			pos0 := base0 + v0*vMul0
			if pos0 < 0 {
				clear(seg)
				continue
			}
			if dil0 > 1 {
				if pos0%dil0 != 0 {
					clear(seg)
					continue
				}
				pos0 /= dil0
			}
			if pos0 >= H {
				clear(seg)
				continue
			}
			off0 := aOff + pos0*sH
			if contiguous {
				lo, hi := max(0, -base1), min(V1, W-base1)
				if hi <= lo {
					clear(seg)
					continue
				}
				if segLen <= 16 {
					// Short segments (few channels): an element loop is faster than copy/clear calls.
					loC, hiC := lo*c, hi*c
					src := in[off0+base1*c+loC : off0+base1*c+hiC]
					for i := range seg {
						if i >= loC && i < hiC {
							seg[i] = src[i-loC]
						} else {
							seg[i] = 0
						}
					}
					continue
				}
				clear(seg[:lo*c])
				copy(seg[lo*c:hi*c], in[off0+(base1+lo)*c:off0+(base1+hi)*c])
				clear(seg[hi*c:])
				continue
			}
			for v1 := range V1 {
				s := seg[v1*c : (v1+1)*c]
				pos1 := base1 + v1*vMul1
				if pos1 < 0 {
					clear(s)
					continue
				}
				if dil1 > 1 {
					if pos1%dil1 != 0 {
						clear(s)
						continue
					}
					pos1 /= dil1
				}
				if pos1 >= W {
					clear(s)
					continue
				}
				off := off0 + pos1*sW
				switch {
				case c == 1:
					s[0] = in[off]
				case cStride == 1:
					copy(s, in[off:off+c])
				default:
					for j := range s {
						s[j] = in[off+j*cStride]
					}
				}
			}
		}
	}
}

func execConv(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	d := n.data.(*convData)
	in := ins[0].flat.([]float32)
	kernel := ins[1].flat.([]float32)
	var kernelTmp *Buffer
	if d.kernelPlan != nil {
		kernelTmp = st.tmp(dtypes.Float32, len(kernel))
		runStridedCopy(d.kernelPlan, kernel, kernelTmp.flat, dtypes.Float32)
		kernel = kernelTmp.flat.([]float32)
	}
	if d.direct {
		out := st.newBuf(n.shape)
		o := out.flat.([]float32)
		if d.transposed {
			convDirectTransposed(d, in, kernel, o)
		} else {
			j := &st.convJob
			*j = convDirectJob{d: d, in: in, w: kernel, out: o}
			rows := d.aSize * d.uDims[0]
			parts := min(st.b.threads, max(1, d.m*d.n/(64*1024)), rows)
			st.b.workers.run(j, parts, &st.wg)
			*j = convDirectJob{}
		}
		if kernelTmp != nil {
			st.release(kernelTmp)
		}
		return out, nil
	}
	patches := st.tmp(dtypes.Float32, d.m*d.k)
	p := patches.flat.([]float32)
	st.im2col(d, in, p)
	out := st.newBuf(n.shape)
	pr := gemmProblem{m: d.m, n: d.n, k: d.k, a: p, b: kernel, c: out.flat.([]float32), ldb: d.n, ldc: d.n}
	if d.transposed {
		pr.transA = true
		pr.lda = d.m
	} else {
		pr.lda = d.k
	}
	st.gemm32(&pr, d.kind)
	st.release(patches)
	if kernelTmp != nil {
		st.release(kernelTmp)
	}
	return out, nil
}

// convDirectJob computes a direct (forward, "normal" layout) convolution split by output rows (a, u0).
type convDirectJob struct {
	d          *convData
	in, w, out []float32
}

func (j *convDirectJob) runPart(part, numParts int) {
	rows := j.d.aSize * j.d.uDims[0]
	convDirect(j.d, j.in, j.w, j.out, rows*part/numParts, rows*(part+1)/numParts)
}

// spanFor returns the range [lo, hi) of u for which pos = u*uMul + off is in [0, dim).
func spanFor(uDim, uMul, off, dim int) (lo, hi int) {
	// u*uMul + off >= 0  <=>  u >= ceil(-off / uMul).
	lo = 0
	if off < 0 {
		lo = (-off + uMul - 1) / uMul
	}
	// u*uMul + off < dim  <=>  u < ceil((dim - off) / uMul).
	hi = uDim
	if limit := dim - off; limit <= 0 {
		hi = 0
	} else {
		hi = min(hi, (limit+uMul-1)/uMul)
	}
	return lo, max(lo, hi)
}

// convDirect computes the output rows (a, u0) in [r0, r1) of a "normal" convolution as a sum of rank-1 updates:
// for each kernel position and input channel, the output row block (all u1, all n) gets the input values
// times the kernel's row of n weights.
func convDirect(d *convData, in, w, out []float32, r0, r1 int) {
	U0, U1 := d.uDims[0], d.uDims[1]
	V0, V1 := d.vDims[0], d.vDims[1]
	n, c := d.n, d.cSize
	H, W := d.inDims[0], d.inDims[1]
	sH, sW := d.inSpatialStrides[0], d.inSpatialStrides[1]
	clear(out[r0*U1*n : r1*U1*n])
	for r := r0; r < r1; r++ {
		a, u0 := r/U0, r%U0
		aOff := a * d.aStride
		outRow := out[r*U1*n : (r+1)*U1*n]
		for v0 := range V0 {
			pos0 := u0*d.uMul[0] + v0*d.vMul[0] - d.padLow[0]
			if pos0 < 0 || pos0 >= H {
				continue
			}
			for v1 := range V1 {
				off1 := v1*d.vMul[1] - d.padLow[1]
				lo, hi := spanFor(U1, d.uMul[1], off1, W)
				if lo >= hi {
					continue
				}
				aStride := d.uMul[1] * sW
				for ci := range c {
					start := aOff + pos0*sH + (lo*d.uMul[1]+off1)*sW + ci*d.cStride
					a := in[start : start+(hi-lo-1)*aStride+1]
					wRow := w[((v0*V1+v1)*c+ci)*n : ((v0*V1+v1)*c+ci+1)*n]
					d.ger(a, aStride, wRow, outRow[lo*n:hi*n])
				}
			}
		}
	}
}

// convDirectTransposed computes a "transposed" convolution (the kernel gradient): for each output row
// (v0, v1, c), the weighted sum of the kernel's rows (a, u0, u1), weighted by the input values.
func convDirectTransposed(d *convData, in, w, out []float32) {
	U0, U1 := d.uDims[0], d.uDims[1]
	V0, V1 := d.vDims[0], d.vDims[1]
	n, c := d.n, d.cSize
	H, W := d.inDims[0], d.inDims[1]
	sH, sW := d.inSpatialStrides[0], d.inSpatialStrides[1]
	clear(out)
	for a := range d.aSize {
		aOff := a * d.aStride
		for u0 := range U0 {
			wBase := (a*U0 + u0) * U1
			for v0 := range V0 {
				pos0 := u0*d.uMul[0] + v0*d.vMul[0] - d.padLow[0]
				if pos0 < 0 || pos0 >= H {
					continue
				}
				for v1 := range V1 {
					off1 := v1*d.vMul[1] - d.padLow[1]
					lo, hi := spanFor(U1, d.uMul[1], off1, W)
					if lo >= hi {
						continue
					}
					aStride := d.uMul[1] * sW
					for ci := range c {
						start := aOff + pos0*sH + (lo*d.uMul[1]+off1)*sW + ci*d.cStride
						x := in[start : start+(hi-lo-1)*aStride+1]
						acc := out[((v0*V1+v1)*c+ci)*n : ((v0*V1+v1)*c+ci+1)*n]
						d.gemvT(x, aStride, w[(wBase+lo)*n:(wBase+hi)*n], acc)
					}
				}
			}
		}
	}
}
