package tabular

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks Linux to back n bytes at p with transparent huge pages
// (when they are enabled as "madvise", the common default). It is advice:
// an error only means ordinary pages, so it is ignored.
func adviseHuge(p unsafe.Pointer, n int) {
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), n), syscall.MADV_HUGEPAGE)
}
