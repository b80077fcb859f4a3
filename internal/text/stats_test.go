package text

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestStats(t *testing.T) {
	v := fit(t, []string{"a b c", "a b", "a"}, opts(func(o *Options) { o.SequenceLength = 3 }))
	got := v.Stats([]string{"", "  ...  ", "a", "a x", "a b c y", "x y z w v u", "b b b"})
	want := Stats{
		VocabularySize: 5, Rows: 7, Empty: 1, NoTokens: 2,
		Tokens: 0 + 0 + 1 + 2 + 4 + 6 + 3, OOV: 1 + 1 + 6,
		Cut:       2,               // 4 and 6 tokens
		LengthP50: 2, LengthP95: 6, // sorted lengths 0 0 1 2 3 4 6: rank ⌈3.5⌉ = 4, ⌈6.65⌉ = 7
		LengthMax: 6,
	}
	if got != want {
		t.Errorf("Stats\n got %+v\nwant %+v", got, want)
	}
	if share := got.OOVShare(); share != 8.0/16 {
		t.Errorf("OOVShare %v, want 0.5", share)
	}
	if (Stats{}).OOVShare() != 0 {
		t.Error("OOVShare without tokens is not 0")
	}
	if empty := v.Stats(nil); empty != (Stats{VocabularySize: 5}) {
		t.Errorf("Stats(nil) = %+v", empty)
	}
}

func TestPercentile(t *testing.T) {
	for _, c := range []struct {
		sorted  []int
		p, want int
	}{
		{nil, 50, 0},
		{[]int{7}, 50, 7},
		{[]int{7}, 95, 7},
		{[]int{1, 2}, 50, 1},
		{[]int{1, 2}, 51, 2},
		{[]int{1, 2, 3, 4}, 50, 2},
		{[]int{1, 2, 3, 4}, 95, 4},
		{[]int{1, 2, 3, 4}, 0, 1},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(%v, %d) = %d, want %d", c.sorted, c.p, got, c.want)
		}
	}
}

// TestStatsParallel checks that several workers describe texts as one does,
// against a count done plainly with Tokenize and ID.
func TestStatsParallel(t *testing.T) {
	texts := corpus(3*minChunk, 6)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range texts {
		if r.IntN(20) == 0 {
			texts[i] = ""
		}
	}
	o := opts(func(o *Options) { o.MaxTokens = 300; o.SequenceLength = 20 })
	v := fit(t, texts[:2000], o)
	defer func(w int) { maxWorkers = w }(maxWorkers)
	maxWorkers = 3
	got := v.Stats(texts)
	want := Stats{VocabularySize: v.Size(), Rows: len(texts)}
	var lengths []int
	for _, s := range texts {
		toks := o.Tokenize(s)
		lengths = append(lengths, len(toks))
		want.Tokens += int64(len(toks))
		for _, tok := range toks {
			if v.ID(tok) == OOVID {
				want.OOV++
			}
		}
		if s == "" {
			want.Empty++
		}
		if len(toks) == 0 {
			want.NoTokens++
		}
		if len(toks) > 20 {
			want.Cut++
		}
	}
	slices.Sort(lengths)
	n := len(lengths)
	want.LengthP50, want.LengthP95, want.LengthMax = lengths[(n+1)/2-1], lengths[(95*n+99)/100-1], lengths[n-1]
	if got != want {
		t.Errorf("Stats\n got %+v\nwant %+v", got, want)
	}
	if want.Empty == 0 || want.Cut == 0 || want.OOV == 0 {
		t.Errorf("the corpus does not exercise every count: %+v", want)
	}
}
