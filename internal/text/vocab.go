package text

import (
	"cmp"
	"slices"
	"strings"
)

// Vocabulary maps tokens to ids, for one text column: it is fitted on
// training texts by Fit, or read back from its JSON.
type Vocabulary struct {
	opts   Options
	tokens []string         // the token of id Reserved+i
	ids    map[string]int32 // token → id
}

// counter counts one worker's tokens.
type counter struct {
	index  map[string]int32 // token → position in count
	tokens []string
	count  []int64
}

func newCounter() *counter { return &counter{index: map[string]int32{}} }

func (c *counter) add(tok []byte) {
	if i, ok := c.index[string(tok)]; ok { // the conversion does not allocate
		c.count[i]++
		return
	}
	s := string(tok)
	c.index[s] = int32(len(c.count))
	c.tokens = append(c.tokens, s)
	c.count = append(c.count, 1)
}

func (c *counter) addCount(tok string, n int64) {
	if i, ok := c.index[tok]; ok {
		c.count[i] += n
		return
	}
	c.index[tok] = int32(len(c.count))
	c.tokens = append(c.tokens, tok)
	c.count = append(c.count, n)
}

// Fit fits a vocabulary on the training texts: their tokens that occur at
// least o.MinFrequency times, most frequent first, ties in the order of the
// tokens' bytes, at most o.MaxTokens-Reserved of them. It returns an error
// only for invalid options.
func Fit(texts []string, o Options) (*Vocabulary, error) {
	if err := o.validErr(); err != nil {
		return nil, err
	}
	c := count(texts, o)
	type entry struct {
		tok string
		n   int64
	}
	kept := make([]entry, 0, len(c.tokens))
	for i, tok := range c.tokens {
		if c.count[i] >= int64(o.MinFrequency) {
			kept = append(kept, entry{tok, c.count[i]})
		}
	}
	slices.SortFunc(kept, func(a, b entry) int {
		return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.tok, b.tok))
	})
	kept = kept[:min(len(kept), o.MaxTokens-Reserved)]
	tokens := make([]string, len(kept))
	for i, e := range kept {
		tokens[i] = e.tok
	}
	return newVocabulary(o, tokens), nil
}

// count counts the tokens of texts, each worker a share of them, and merges
// the counts into the largest worker's counter.
func count(texts []string, o Options) *counter {
	w := workers(len(texts))
	parts := make([]*counter, w)
	chunks(len(texts), w, func(i, lo, hi int) {
		c, sp := newCounter(), newSplitter(o)
		for _, s := range texts[lo:hi] {
			sp.split(s)
			for j := range sp.n() {
				c.add(sp.token(j))
			}
		}
		parts[i] = c
	})
	slices.SortFunc(parts, func(a, b *counter) int { return cmp.Compare(len(b.count), len(a.count)) })
	total := parts[0]
	for _, p := range parts[1:] {
		for i, tok := range p.tokens {
			total.addCount(tok, p.count[i])
		}
	}
	return total
}

func newVocabulary(o Options, tokens []string) *Vocabulary {
	ids := make(map[string]int32, len(tokens))
	for i, t := range tokens {
		ids[t] = int32(Reserved + i)
	}
	return &Vocabulary{opts: o, tokens: tokens, ids: ids}
}

// Options returns the options the vocabulary was fitted with.
func (v *Vocabulary) Options() Options { return v.opts }

// Size is the number of ids, the Reserved ones included: the smallest
// input_dim of an embedding that takes the column.
func (v *Vocabulary) Size() int { return Reserved + len(v.tokens) }

// ID returns token's id, or OOVID.
func (v *Vocabulary) ID(token string) int32 {
	if id, ok := v.ids[token]; ok {
		return id
	}
	return OOVID
}

// Token returns the token of id, and false for PadID, OOVID and ids out of
// range.
func (v *Vocabulary) Token(id int32) (string, bool) {
	i := int(id) - Reserved
	if i < 0 || i >= len(v.tokens) {
		return "", false
	}
	return v.tokens[i], true
}

// Tokens returns the tokens in id order: the i-th has id Reserved+i.
func (v *Vocabulary) Tokens() []string { return slices.Clone(v.tokens) }

// Encode appends exactly SequenceLength ids to dst, one per token of s,
// cut after SequenceLength tokens, then PadID up to SequenceLength, and
// returns the extended slice.
func (v *Vocabulary) Encode(dst []int32, s string) []int32 {
	sp := newSplitter(v.opts)
	return v.encode(dst, sp, s)
}

func (v *Vocabulary) encode(dst []int32, sp *splitter, s string) []int32 {
	sp.split(s)
	n := min(sp.n(), v.opts.SequenceLength)
	for i := range n {
		id, ok := v.ids[string(sp.token(i))]
		if !ok {
			id = OOVID
		}
		dst = append(dst, id)
	}
	for range v.opts.SequenceLength - n {
		dst = append(dst, PadID)
	}
	return dst
}

// EncodeAll encodes every text, in parallel, into one row-major slice of
// len(texts)×SequenceLength ids.
func (v *Vocabulary) EncodeAll(texts []string) []int32 {
	L := v.opts.SequenceLength
	out := make([]int32, len(texts)*L)
	chunks(len(texts), workers(len(texts)), func(_, lo, hi int) {
		sp := newSplitter(v.opts)
		for i := lo; i < hi; i++ {
			v.encode(out[i*L:i*L:(i+1)*L], sp, texts[i])
		}
	})
	return out
}
