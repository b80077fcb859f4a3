package datasets

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/registry"
)

// TestMemoryCheck: data that does not fit in memory (here a pretended 2 KB
// machine) is refused before it is read, with the estimate, multiplied by
// the jobs; Force reads it anyway, and so does an unknown machine.
func TestMemoryCheck(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	for i := range 100 {
		writePNG(t, filepath.Join(dir, "big", []string{"a", "b"}[i%2], fmt.Sprintf("%d.png", i)), 4, 4, uint8(i))
	}
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 400 {
		fmt.Fprintf(&b, "%d,%d\n", i, i%2)
	}
	writeText(t, dir, "rows.csv", b.String())
	writeText(t, dir, "texts.csv", strings.ReplaceAll(b.String(), "x,y", "body,y"))
	longText := &CSVText{Columns: []string{"body"}, Tokenizer: "words", MaxTokens: 100, MinFrequency: 1, SequenceLength: 4096}
	for _, tt := range []struct {
		name string
		ds   registry.Dataset
		m    registry.MemoryPolicy
		want string // "" for no error
	}{
		{"images fit", &Images{Path: "big"}, registry.MemoryPolicy{Total: 2000}, ""},
		{"images × jobs", &Images{Path: "big", SplitSeed: 1}, registry.MemoryPolicy{Total: 2000, Copies: 2},
			"images: 100 files at 4×4×1 need 1.6 KB as uint8, 3.2 KB for 2 jobs; this machine has 2.0 KB (use --force to try anyway)"},
		{"images forced", &Images{Path: "big", SplitSeed: 2}, registry.MemoryPolicy{Total: 2000, Copies: 2, Force: true}, ""},
		{"unknown machine", &Images{Path: "big", SplitSeed: 3}, registry.MemoryPolicy{Copies: 2}, ""},
		{"csv", &CSV{Path: "rows.csv", Target: "y"}, registry.MemoryPolicy{Total: 2000}, "rows.csv (2.3 KB) needs 4.6 KB as columns of numbers"},
		// The file fits, its token ids (400 × 4,096 int32) do not.
		{"csv text ids", &CSV{Path: "texts.csv", Target: "y", Text: longText}, registry.MemoryPolicy{Total: 20000},
			"csv: the token ids of 400 rows × 1 text column(s) × sequence_length 4096 need 6.6 MB as int32; this machine has 20 KB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReporter()
			tt.ds.Validate(r, registry.DataEnv{Dir: dir, Memory: tt.m})
			got := strings.Join(*r.errs, "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("errors %q, want %q", got, tt.want)
			}
		})
	}
}
