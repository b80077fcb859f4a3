package text

import (
	"unicode"
	"unicode/utf8"
)

// wordByte marks the ASCII bytes that are word characters: letters and
// digits.
var wordByte = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		r := rune(c)
		t[c] = unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
	}
	return t
}()

// isWord reports whether r belongs to \p{L}\p{M}\p{Nd}.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return wordByte[r]
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// splitter tokenizes one text at a time into reusable buffers: the tokens'
// bytes one after another in buf, and where each ends in ends. A splitter
// is not safe for concurrent use; each worker has its own.
type splitter struct {
	chars bool // Chars, else Words
	lower bool
	buf   []byte
	ends  []int
}

func newSplitter(o Options) *splitter {
	return &splitter{chars: o.Tokenizer == Chars, lower: o.Lowercase}
}

// split tokenizes s; the tokens are then token(0) … token(n()-1).
func (sp *splitter) split(s string) {
	sp.buf, sp.ends = sp.buf[:0], sp.ends[:0]
	if sp.chars {
		sp.splitChars(s)
	} else {
		sp.splitWords(s)
	}
}

func (sp *splitter) n() int { return len(sp.ends) }

// token is the i-th token's bytes, valid until the next split.
func (sp *splitter) token(i int) []byte {
	start := 0
	if i > 0 {
		start = sp.ends[i-1]
	}
	return sp.buf[start:sp.ends[i]]
}

// splitWords appends each maximal run of word characters of s, lowercased
// rune by rune when sp.lower (which is what strings.ToLower does), and
// drops the rest. Bytes that are not UTF-8 are U+FFFD, not a word
// character.
func (sp *splitter) splitWords(s string) {
	in := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if !wordByte[c] {
				in = sp.end(in)
				continue
			}
			if sp.lower && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sp.buf = append(sp.buf, c)
			in = true
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if sp.lower {
			r = unicode.ToLower(r)
		}
		if !isWord(r) {
			in = sp.end(in)
			continue
		}
		sp.buf = utf8.AppendRune(sp.buf, r)
		in = true
	}
	sp.end(in)
}

// end closes the token being read, if any, and reports that none is.
func (sp *splitter) end(in bool) bool {
	if in {
		sp.ends = append(sp.ends, len(sp.buf))
	}
	return false
}

// splitChars appends each code point of s as a token, lowercased when
// sp.lower; a byte that is not UTF-8 is the token U+FFFD.
func (sp *splitter) splitChars(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if sp.lower && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sp.buf = append(sp.buf, c)
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if sp.lower {
				r = unicode.ToLower(r)
			}
			sp.buf = utf8.AppendRune(sp.buf, r)
			i += size
		}
		sp.ends = append(sp.ends, len(sp.buf))
	}
}

// Tokenize returns the tokens of s with the options' tokenizer and
// lowercasing: what Fit counts and Encode looks up.
func (o Options) Tokenize(s string) []string {
	sp := newSplitter(o)
	sp.split(s)
	out := make([]string, sp.n())
	for i := range out {
		out[i] = string(sp.token(i))
	}
	return out
}
