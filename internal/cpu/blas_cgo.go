//go:build cgo && (linux || darwin || freebsd)

package cpu

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>

typedef void (*cpu_sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void (*cpu_set_threads_fn)(int);

static cpu_sgemm_fn cpu_p_sgemm = NULL;
static cpu_set_threads_fn cpu_p_set_threads = NULL;

// cpu_load_blas tries the given library names in order and returns the index+1 of the one loaded, or 0. Only
// OpenBLAS is accepted (a library with openblas_set_num_threads): the backend must control its threads, and
// a reference BLAS (libblas.so.3 may be one) would be slower than the backend's own kernels.
static int cpu_load_blas(void) {
	const char* names[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libopenblas.dylib", NULL};
	for (int i = 0; names[i] != NULL; i++) {
		void* h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			continue;
		}
		void* f = dlsym(h, "cblas_sgemm");
		void* t = dlsym(h, "openblas_set_num_threads");
		if (f == NULL || t == NULL) {
			dlclose(h);
			continue;
		}
		cpu_p_sgemm = (cpu_sgemm_fn)f;
		cpu_p_set_threads = (cpu_set_threads_fn)t;
		return i + 1;
	}
	return 0;
}

static void cpu_set_threads(int n) {
	if (cpu_p_set_threads != NULL) {
		cpu_p_set_threads(n);
	}
}

// Row-major C = A·B with optional transposes (CblasRowMajor=101, CblasNoTrans=111, CblasTrans=112).
static void cpu_sgemm(int transA, int transB, int m, int n, int k,
		const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
	cpu_p_sgemm(101, transA ? 112 : 111, transB ? 112 : 111, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
*/
import "C"

import (
	"sync"
	"unsafe"
)

var (
	blasOnce    sync.Once
	blasLibrary string
)

var blasLibraryNames = []string{"libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libopenblas.dylib"}

// blasAvailable loads the BLAS library on first use: it returns false if none could be loaded.
func blasAvailable() bool {
	blasOnce.Do(func() {
		if idx := int(C.cpu_load_blas()); idx > 0 {
			blasLibrary = blasLibraryNames[idx-1]
			// Each call is single-threaded: the backend splits the work across its own goroutines.
			C.cpu_set_threads(1)
		}
	})
	return blasLibrary != ""
}

// blasSgemm computes rows [i0,i1) and columns [j0,j1) of the product with cblas_sgemm.
func blasSgemm(pr *gemmProblem, i0, i1, j0, j1 int) {
	m, n := i1-i0, j1-j0
	aOff := i0 * pr.lda
	if pr.transA {
		aOff = i0
	}
	bOff := j0
	if pr.transB {
		bOff = j0 * pr.ldb
	}
	cOff := i0*pr.ldc + j0
	C.cpu_sgemm(boolToInt(pr.transA), boolToInt(pr.transB), C.int(m), C.int(n), C.int(pr.k),
		(*C.float)(unsafe.Pointer(&pr.a[aOff])), C.int(pr.lda),
		(*C.float)(unsafe.Pointer(&pr.b[bOff])), C.int(pr.ldb),
		(*C.float)(unsafe.Pointer(&pr.c[cOff])), C.int(pr.ldc))
}

func boolToInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
