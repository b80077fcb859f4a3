package text

import (
	"slices"
)

// Stats describe a text column's cells under a vocabulary: what
// `exp validate` shows.
type Stats struct {
	VocabularySize int   // Vocabulary.Size
	Rows           int   // texts
	Empty          int   // texts that are ""
	NoTokens       int   // texts without a token (the empty ones included)
	Tokens         int64 // tokens in all, before cutting
	OOV            int64 // of Tokens, those out of the vocabulary
	Cut            int   // texts with more than SequenceLength tokens
	// Lengths in tokens, before cutting: nearest-rank percentiles (the
	// smallest length at least p% of the texts have) and the largest.
	LengthP50, LengthP95, LengthMax int
}

// OOVShare is the fraction of tokens out of the vocabulary, 0 without
// tokens.
func (s Stats) OOVShare() float64 {
	if s.Tokens == 0 {
		return 0
	}
	return float64(s.OOV) / float64(s.Tokens)
}

// Stats tokenizes texts (in parallel) and describes them: lengths, tokens
// out of the vocabulary, texts that are empty or cut.
func (v *Vocabulary) Stats(texts []string) Stats {
	lengths := make([]int, len(texts))
	w := workers(len(texts))
	parts := make([]Stats, w)
	chunks(len(texts), w, func(k, lo, hi int) {
		sp, st := newSplitter(v.opts), &parts[k]
		for i := lo; i < hi; i++ {
			sp.split(texts[i])
			v.describe(st, sp, texts[i] == "")
			lengths[i] = sp.n()
		}
	})
	s := Stats{VocabularySize: v.Size(), Rows: len(texts)}
	for _, p := range parts {
		s.Empty += p.Empty
		s.NoTokens += p.NoTokens
		s.Tokens += p.Tokens
		s.OOV += p.OOV
		s.Cut += p.Cut
	}
	slices.Sort(lengths)
	s.LengthP50 = percentile(lengths, 50)
	s.LengthP95 = percentile(lengths, 95)
	if len(lengths) > 0 {
		s.LengthMax = lengths[len(lengths)-1]
	}
	return s
}

// describe adds the text just split by sp to st.
func (v *Vocabulary) describe(st *Stats, sp *splitter, empty bool) {
	n := sp.n()
	if empty {
		st.Empty++
	}
	if n == 0 {
		st.NoTokens++
	}
	if n > v.opts.SequenceLength {
		st.Cut++
	}
	st.Tokens += int64(n)
	for i := range n {
		if _, ok := v.ids[string(sp.token(i))]; !ok {
			st.OOV++
		}
	}
}

// percentile is the nearest-rank p-th percentile of sorted: the element at
// rank ⌈p·n/100⌉ (1-based); 0 when sorted is empty.
func percentile(sorted []int, p int) int {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100
	return sorted[max(rank, 1)-1]
}
