//go:build !unix

package datasets

import "os"

// mapFile reads the file path whole; where mmap is available it is mapped
// instead.
func mapFile(path string) ([]byte, func(), error) {
	b, err := os.ReadFile(path)
	return b, func() {}, err
}
