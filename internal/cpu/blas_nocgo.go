//go:build !cgo || !(linux || darwin || freebsd)

package cpu

// blasLibrary is the name of the loaded BLAS library: without cgo there is none.
var blasLibrary string

func blasAvailable() bool { return false }

func blasSgemm(pr *gemmProblem, i0, i1, j0, j1 int) {
	panic("BLAS not available (built without cgo)")
}
