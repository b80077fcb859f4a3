//go:build !linux

package tabular

import "unsafe"

// adviseHuge does nothing where Linux's transparent huge pages are absent.
func adviseHuge(p unsafe.Pointer, n int) {}
