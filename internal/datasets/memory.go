package datasets

import (
	"archive/zip"
	"fmt"
	"os"
	"strings"
	"sync"
)

// MemoryCheck is how the datasets read from a user's files check, before
// loading, that the data fits in memory.
type MemoryCheck struct {
	// Copies is how many processes will hold the data at once (exp run's
	// --jobs; 0 counts as 1).
	Copies int
	// Force loads the data however large it is (exp run's --force).
	Force bool
	// Total is the memory to check against, in bytes; 0 asks the system
	// (when it cannot tell, nothing is checked).
	Total int64
}

var memoryCheck = struct {
	sync.Mutex
	c MemoryCheck
}{}

// SetMemoryCheck sets how this process checks the size of data before
// loading it.
func SetMemoryCheck(c MemoryCheck) {
	memoryCheck.Lock()
	defer memoryCheck.Unlock()
	memoryCheck.c = c
}

// checkMemory returns an error when need bytes (per copy) do not fit in
// the machine's memory; what describes the data and ends in its verb
// ("images: 1,200,000 files at 224×224×3 need"), as says how it is held
// ("uint8").
func checkMemory(what, as string, need int64) error {
	memoryCheck.Lock()
	c := memoryCheck.c
	memoryCheck.Unlock()
	total := c.Total
	if total == 0 {
		total = totalMemory()
	}
	copies := max(c.Copies, 1)
	if c.Force || total <= 0 || need*int64(copies) <= total {
		return nil
	}
	msg := fmt.Sprintf("%s %s as %s", what, bytesText(need), as)
	if copies > 1 {
		msg += fmt.Sprintf(", %s for %d jobs", bytesText(need*int64(copies)), copies)
	}
	return fmt.Errorf("%s; this machine has %s (use --force to try anyway)", msg, bytesText(total))
}

// bytesText formats n bytes in GB, MB or KB, with a decimal below 10:
// "180 GB", "2.4 KB".
func bytesText(n int64) string {
	v, unit := float64(n)/1e3, "KB"
	switch {
	case n >= 1e9:
		v, unit = float64(n)/1e9, "GB"
	case n >= 1e6:
		v, unit = float64(n)/1e6, "MB"
	}
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}

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

// checkFilesMemory refuses files whose contents, held as kind (e.g.
// "float64 columns", twice their text), cannot fit in memory.
func checkFilesMemory(dataset, kind string, factor int64, paths ...string) error {
	size := fileBytes(paths...)
	var named []string
	for _, p := range paths {
		if p != "" {
			named = append(named, p)
		}
	}
	what := fmt.Sprintf("%s: %s (%s) needs", dataset, strings.Join(named, ", "), bytesText(size))
	return checkMemory(what, kind, factor*size)
}
