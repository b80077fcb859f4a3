//go:build !unix

package fileout

import (
	"io/fs"
	"os"
)

// links returns 1: hard links are not counted here.
func links(fs.FileInfo) uint64 { return 1 }

// keepOwner reports true: owners are not kept here.
func keepOwner(*os.File, fs.FileInfo) bool { return true }

// isEINVAL reports false.
func isEINVAL(error) bool { return false }

// writable returns nil: permissions are checked on writing.
func writable(string) error { return nil }
