package datasets

import (
	"archive/zip"
	"fmt"
	"os"
	"strings"

	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/registry"
)

// commas formats n with thousands separators: 1,200,000.
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fileBytes estimates the bytes the files at paths hold once read: the
// uncompressed size of an .npz archive's members, five times the size of a
// gzipped file, the size of any other ("" paths and unreadable files count
// 0: reading them reports the error).
func fileBytes(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(p, ".npz"):
			if zr, err := zip.OpenReader(p); err == nil {
				for _, f := range zr.File {
					n += int64(f.UncompressedSize64)
				}
				zr.Close()
			}
		case strings.HasSuffix(p, ".gz"):
			n += 5 * st.Size()
		default:
			n += st.Size()
		}
	}
	return n
}

// checkFilesMemory refuses, as mem says, files whose contents, held as
// kind (e.g. "columns of numbers", factor times their size), cannot fit in
// memory.
func checkFilesMemory(mem registry.MemoryPolicy, dataset, kind string, factor int64, paths ...string) error {
	size := fileBytes(paths...)
	var named []string
	for _, p := range paths {
		if p != "" {
			named = append(named, p)
		}
	}
	what := fmt.Sprintf("%s: %s (%s) needs", dataset, strings.Join(named, ", "), meminfo.Text(size))
	return mem.Check(what, factor*size, kind)
}
