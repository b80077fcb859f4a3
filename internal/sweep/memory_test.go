package sweep

import "testing"

// TestOOMWatch: the Go runtime's out-of-memory error is noticed in a
// child's stderr, even split across writes.
func TestOOMWatch(t *testing.T) {
	for _, tt := range []struct {
		writes []string
		want   bool
	}{
		{[]string{"fatal error: runtime: out of memory\n\ngoroutine 1"}, true},
		{[]string{"progress\nfatal error: runt", "ime: out of mem", "ory\n"}, true},
		{[]string{"fatal error: all goroutines are asleep - deadlock!\n"}, false},
	} {
		w := &oomWatch{}
		for _, s := range tt.writes {
			w.Write([]byte(s))
		}
		if w.Seen() != tt.want {
			t.Errorf("%q: seen %v, want %v", tt.writes, w.Seen(), tt.want)
		}
	}
}
