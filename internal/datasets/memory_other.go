//go:build !linux

package datasets

// totalMemory returns 0: the machine's memory is not known, and the size
// of data is not checked.
func totalMemory() int64 { return 0 }
