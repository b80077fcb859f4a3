package meminfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Total returns the machine's memory in bytes (MemTotal of /proc/meminfo),
// or 0 when it cannot be read (no such file: not Linux).
func Total() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close() // read only: closing cannot lose data
	return parse(f)
}

// parse returns MemTotal, in bytes, of the /proc/meminfo text r (0 when it
// has none).
func parse(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// Text formats n bytes in decimal GB, MB or KB, with a decimal below 10:
// "180 GB", "2.4 KB".
func Text(n int64) string {
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

// Binary formats a size in bytes with a binary unit, as memory estimates
// and file sizes are written: 512 B, 1.5 KiB, 3.2 GiB.
func Binary(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
