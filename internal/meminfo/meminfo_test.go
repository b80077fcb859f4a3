package meminfo

import (
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int64
	}{
		{"MemTotal:       16318480 kB\nMemFree:         1019468 kB\n", 16318480 * 1024},
		{"MemFree:         1019468 kB\nMemTotal: 2048 kB\n", 2048 * 1024},
		{"MemFree: 10 kB\n", 0},
		{"MemTotal: lots kB\n", 0},
		{"", 0},
	} {
		if got := parse(strings.NewReader(tt.text)); got != tt.want {
			t.Errorf("parse(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

// TestTotal reads this machine's memory where /proc/meminfo exists.
func TestTotal(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo")
	}
	if got := Total(); got < 64<<20 {
		t.Errorf("Total() = %d bytes, less than 64 MiB", got)
	}
}

func TestText(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0.0 KB", 2400: "2.4 KB", 2000: "2.0 KB", 45_000: "45 KB",
		4_600_000: "4.6 MB", 180e9: "180 GB", 1_200_000_000: "1.2 GB",
	} {
		if got := Text(n); got != want {
			t.Errorf("Text(%d) = %q, want %q", n, got, want)
		}
	}
}
