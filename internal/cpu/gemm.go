package cpu

import (
	"github.com/exp-runner/exp/internal/cpu/internal/vec"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// gemmMode forces one matrix-multiplication kernel (for benchmarks and tests).
type gemmMode int

const (
	gemmAuto gemmMode = iota
	gemmGo
	gemmAsm
	gemmBLAS
)

func parseGemmMode(s string) (gemmMode, bool) {
	switch s {
	case "", "auto":
		return gemmAuto, true
	case "go":
		return gemmGo, true
	case "asm":
		return gemmAsm, true
	case "blas":
		return gemmBLAS, true
	}
	return gemmAuto, false
}

// String returns the mode name, as in the gemm= config option.
func (m gemmMode) String() string {
	switch m {
	case gemmGo:
		return "go"
	case gemmAsm:
		return "asm"
	case gemmBLAS:
		return "blas"
	}
	return "auto"
}

// availableGemmKernels lists the kernels usable in this binary on this machine.
func availableGemmKernels() []string {
	ks := []string{"go"}
	if asmKernel != nil {
		ks = append(ks, "asm")
	}
	if blasAvailable() {
		ks = append(ks, "blas")
	}
	return ks
}

// gemmProblem describes C = A·B for float32 row-major matrices, where A is m×k (or k×m if transA),
// B is k×n (or n×k if transB), and C is m×n with row stride ldc.
type gemmProblem struct {
	m, n, k        int
	a, b, c        []float32
	lda, ldb, ldc  int
	transA, transB bool
}

// packedKernel is a register-tiled micro-kernel: it computes an mr×nr tile of C from packed panels.
type packedKernel struct {
	name   string
	mr, nr int
	// micro computes C[0:mr, 0:nr] (row stride ldc) = (accumulate ? C : 0) + Ap·Bp, where Ap holds kc
	// columns of mr values and Bp holds kc rows of nr values.
	micro func(kc int, ap, bp, c []float32, ldc int, accumulate bool)
}

// Blocking parameters of the packed kernels.
const (
	gemmKC = 256
	gemmMC = 96
	gemmNC = 1024
)

// goKernel is the portable pure-Go micro-kernel.
var goKernel = &packedKernel{name: "go", mr: 2, nr: 4, micro: goMicro2x4}

// asmKernel is the AVX2/FMA assembly micro-kernel (package internal/vec), when the CPU supports it.
var asmKernel = func() *packedKernel {
	if !vec.HasFMA {
		return nil
	}
	return &packedKernel{name: "asm", mr: 6, nr: 16, micro: vec.Sgemm6x16}
}()

// goMicro2x4 is the pure-Go micro-kernel: a 2×4 tile (8 accumulators) is the largest that Go's register
// allocator keeps in registers without spilling (4×4 was measured 1.5× slower).
func goMicro2x4(kc int, ap, bp, c []float32, ldc int, accumulate bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	ap = ap[:kc*2]
	bp = bp[:kc*4]
	for p := range kc {
		a := ap[p*2 : p*2+2 : p*2+2]
		b := bp[p*4 : p*4+4 : p*4+4]
		a0, a1 := a[0], a[1]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if accumulate {
		r0[0] += c00
		r0[1] += c01
		r0[2] += c02
		r0[3] += c03
		r1[0] += c10
		r1[1] += c11
		r1[2] += c12
		r1[3] += c13
		return
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}

// packA packs rows [i0, i0+mc) and columns [p0, p0+kc) of A into panels of mr rows: for each panel,
// kc groups of mr values. Rows past the end are zero-padded.
func packA(pr *gemmProblem, mr, i0, mc, p0, kc int, dst []float32) {
	numPanels := (mc + mr - 1) / mr
	for panel := range numPanels {
		d := dst[panel*mr*kc : (panel+1)*mr*kc]
		rows := min(mr, mc-panel*mr)
		base := i0 + panel*mr
		if !pr.transA {
			for r := range rows {
				src := pr.a[(base+r)*pr.lda+p0 : (base+r)*pr.lda+p0+kc]
				for p, v := range src {
					d[p*mr+r] = v
				}
			}
		} else {
			for p := range kc {
				src := pr.a[(p0+p)*pr.lda+base : (p0+p)*pr.lda+base+rows]
				copy(d[p*mr:p*mr+rows], src)
			}
		}
		if rows < mr {
			for p := range kc {
				for r := rows; r < mr; r++ {
					d[p*mr+r] = 0
				}
			}
		}
	}
}

// packB packs rows [p0, p0+kc) and columns [j0, j0+nc) of B into panels of nr columns: for each panel,
// kc groups of nr values. Columns past the end are zero-padded.
func packB(pr *gemmProblem, nr, j0, nc, p0, kc int, dst []float32) {
	numPanels := (nc + nr - 1) / nr
	for panel := range numPanels {
		d := dst[panel*nr*kc : (panel+1)*nr*kc]
		cols := min(nr, nc-panel*nr)
		base := j0 + panel*nr
		if !pr.transB {
			for p := range kc {
				src := pr.b[(p0+p)*pr.ldb+base : (p0+p)*pr.ldb+base+cols]
				copy(d[p*nr:p*nr+cols], src)
				for c := cols; c < nr; c++ {
					d[p*nr+c] = 0
				}
			}
		} else {
			for c := range cols {
				src := pr.b[(base+c)*pr.ldb+p0 : (base+c)*pr.ldb+p0+kc]
				for p, v := range src {
					d[p*nr+c] = v
				}
			}
			for p := range kc {
				for c := cols; c < nr; c++ {
					d[p*nr+c] = 0
				}
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packedScratchSize returns the number of float32 needed by runPacked for the sub-problem sizes.
func packedScratchSize(kern *packedKernel, m, n, k int) int {
	kc := min(gemmKC, k)
	mc := roundUp(min(gemmMC, m), kern.mr)
	nc := roundUp(min(gemmNC, n), kern.nr)
	return kc*mc + kc*nc + kern.mr*kern.nr
}

// runPacked computes rows [i0,i1) and columns [j0,j1) of C with the packed kernel, using scratch
// (at least packedScratchSize floats) for the packed panels.
//
// Each element of C is computed the same way independently of the sub-range, as long as the ranges
// are aligned to mr and nr: so splitting the work across goroutines on aligned boundaries doesn't
// change the results.
func runPacked(kern *packedKernel, pr *gemmProblem, i0, i1, j0, j1 int, scratch []float32) {
	mr, nr := kern.mr, kern.nr
	kcMax := min(gemmKC, pr.k)
	mcMax := roundUp(min(gemmMC, i1-i0), mr)
	ncMax := roundUp(min(gemmNC, j1-j0), nr)
	bufA := scratch[:kcMax*mcMax]
	bufB := scratch[kcMax*mcMax : kcMax*mcMax+kcMax*ncMax]
	tile := scratch[kcMax*mcMax+kcMax*ncMax : kcMax*mcMax+kcMax*ncMax+mr*nr]
	if pr.k == 0 {
		for i := i0; i < i1; i++ {
			clear(pr.c[i*pr.ldc+j0 : i*pr.ldc+j1])
		}
		return
	}
	for jc := j0; jc < j1; jc += gemmNC {
		nc := min(gemmNC, j1-jc)
		for pc := 0; pc < pr.k; pc += gemmKC {
			kc := min(gemmKC, pr.k-pc)
			accumulate := pc > 0
			packB(pr, nr, jc, nc, pc, kc, bufB)
			for ic := i0; ic < i1; ic += gemmMC {
				mc := min(gemmMC, i1-ic)
				packA(pr, mr, ic, mc, pc, kc, bufA)
				for jr := 0; jr < nc; jr += nr {
					bp := bufB[(jr/nr)*nr*kc : (jr/nr+1)*nr*kc]
					cols := min(nr, nc-jr)
					for ir := 0; ir < mc; ir += mr {
						ap := bufA[(ir/mr)*mr*kc : (ir/mr+1)*mr*kc]
						rows := min(mr, mc-ir)
						cOff := (ic+ir)*pr.ldc + jc + jr
						if rows == mr && cols == nr {
							kern.micro(kc, ap, bp, pr.c[cOff:], pr.ldc, accumulate)
							continue
						}
						// Edge tile: compute into the temporary tile, then copy the valid part.
						kern.micro(kc, ap, bp, tile, nr, false)
						for r := range rows {
							dst := pr.c[cOff+r*pr.ldc : cOff+r*pr.ldc+cols]
							src := tile[r*nr : r*nr+cols]
							if accumulate {
								for c, v := range src {
									dst[c] += v
								}
							} else {
								copy(dst, src)
							}
						}
					}
				}
			}
		}
	}
}

// gemmJob runs a float32 GEMM split across goroutines.
type gemmJob struct {
	st       *execState
	pr       gemmProblem
	kern     *packedKernel // nil for BLAS.
	splitM   bool
	unitSize int // Alignment of the split (mr or nr).
}

func (j *gemmJob) runPart(part, numParts int) {
	pr := &j.pr
	i0, i1, j0, j1 := 0, pr.m, 0, pr.n
	if j.splitM {
		i0, i1 = splitRange(pr.m, j.unitSize, part, numParts)
	} else {
		j0, j1 = splitRange(pr.n, j.unitSize, part, numParts)
	}
	if i0 >= i1 || j0 >= j1 {
		return
	}
	if j.kern == nil {
		blasSgemm(pr, i0, i1, j0, j1)
		return
	}
	size := packedScratchSize(j.kern, i1-i0, j1-j0, pr.k)
	tmp := j.st.tmp(dtypes.Float32, size)
	runPacked(j.kern, pr, i0, i1, j0, j1, tmp.flat.([]float32))
	j.st.release(tmp)
}

// splitRange splits [0,n) in numParts ranges aligned to unit.
func splitRange(n, unit, part, numParts int) (int, int) {
	units := (n + unit - 1) / unit
	start := units * part / numParts * unit
	end := units * (part + 1) / numParts * unit
	return min(start, n), min(end, n)
}

// gemmMinFlopsPerThread is the minimum work for each extra goroutine.
const gemmMinFlopsPerThread = 16_000_000 // Products split in 2 from 32 Mflops.

// runGemm computes the product with the chosen kernel, split across the backend's threads.
func (st *execState) runGemm(pr *gemmProblem, kind gemmKind) {
	switch kind {
	case gemmKindBLAS:
		st.runGemmWith(pr, nil)
	case gemmKindAsm:
		st.runGemmWith(pr, asmKernel)
	default:
		st.runGemmWith(pr, goKernel)
	}
}

// runGemmWith computes the product with the packed kernel kern, or with BLAS if kern is nil.
func (st *execState) runGemmWith(pr *gemmProblem, kern *packedKernel) {
	j := &st.gemm
	j.st = st
	j.pr = *pr
	j.kern = kern
	mr, nr := 8, 8
	if kern != nil {
		mr, nr = kern.mr, kern.nr
	}
	tilesM, tilesN := (pr.m+mr-1)/mr, (pr.n+nr-1)/nr
	j.splitM = tilesM >= tilesN
	if j.splitM {
		j.unitSize = mr
	} else {
		j.unitSize = nr
	}
	flops := 2 * pr.m * pr.n * pr.k
	parts := min(st.b.threads, max(1, flops/gemmMinFlopsPerThread))
	if j.splitM {
		parts = min(parts, tilesM)
	} else {
		parts = min(parts, tilesN)
	}
	st.b.workers.run(j, parts, &st.wg)
	j.pr = gemmProblem{}
	j.st = nil
}
