//go:build !unix

package images

import "os"

// readFile reads path; buf and size serve the Unix version only.
func readFile(path string, size int64, buf []byte) ([]byte, error) {
	return os.ReadFile(path)
}
