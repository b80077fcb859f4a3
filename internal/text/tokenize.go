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

// asciiLower maps each ASCII byte to its lowercase, asciiSame to itself.
var asciiLower, asciiSame = func() (lo, same [utf8.RuneSelf]byte) {
	for c := range byte(utf8.RuneSelf) {
		lo[c], same[c] = c, c
		if 'A' <= c && c <= 'Z' {
			lo[c] = c + 'a' - 'A'
		}
	}
	return lo, same
}()

// twoByte bounds the runes of one or two bytes in UTF-8 (Latin, Greek,
// Cyrillic, Hebrew, Arabic, …), whose lowercase and class are in tables.
const twoByte = 0x800

// For each rune r below twoByte: lower2[r] is unicode.ToLower(r) (which
// may be above twoByte, as for U+023A), word2[r] is isWord(r) and
// wordLower2[r] is isWord(lower2[r]).
var lower2, word2, wordLower2 = func() (lo *[twoByte]rune, w, wl *[twoByte]bool) {
	lo, w, wl = new([twoByte]rune), new([twoByte]bool), new([twoByte]bool)
	for r := range rune(twoByte) {
		lo[r], w[r], wl[r] = unicode.ToLower(r), isWord(r), isWord(unicode.ToLower(r))
	}
	return lo, w, wl
}()

// splitWords appends each maximal run of word characters of s, lowercased
// rune by rune when sp.lower (which is what strings.ToLower does), and
// drops the rest. Bytes that are not UTF-8 are U+FFFD, not a word
// character.
func (sp *splitter) splitWords(s string) {
	buf, ends := sp.buf, sp.ends // locals, so that the loop keeps them in registers
	ascii := &asciiSame
	if sp.lower {
		ascii = &asciiLower
	}
	in := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if wordByte[c] {
				buf = append(buf, ascii[c])
				in = true
			} else if in {
				ends = append(ends, len(buf))
				in = false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		word := false
		if r < twoByte {
			if sp.lower {
				r, word = lower2[r], wordLower2[r]
			} else {
				word = word2[r]
			}
		} else {
			if sp.lower {
				r = unicode.ToLower(r)
			}
			word = isWord(r)
		}
		if word {
			buf = utf8.AppendRune(buf, r)
			in = true
		} else if in {
			ends = append(ends, len(buf))
			in = false
		}
	}
	if in {
		ends = append(ends, len(buf))
	}
	sp.buf, sp.ends = buf, ends
}

// splitChars appends each code point of s as a token, lowercased when
// sp.lower; a byte that is not UTF-8 is the token U+FFFD.
func (sp *splitter) splitChars(s string) {
	buf, ends := sp.buf, sp.ends
	ascii := &asciiSame
	if sp.lower {
		ascii = &asciiLower
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			buf = append(buf, ascii[c])
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if sp.lower && r < twoByte {
				r = lower2[r]
			} else if sp.lower {
				r = unicode.ToLower(r)
			}
			buf = utf8.AppendRune(buf, r)
			i += size
		}
		ends = append(ends, len(buf))
	}
	sp.buf, sp.ends = buf, ends
}

// Tokenize returns the tokens of s with the options' tokenizer and
// lowercasing: what Fit counts and Encode looks up. A Tokenizer other than
// Chars tokenizes as Words (Validate rejects it).
func (o Options) Tokenize(s string) []string {
	sp := newSplitter(o)
	sp.split(s)
	out := make([]string, sp.n())
	for i := range out {
		out[i] = string(sp.token(i))
	}
	return out
}
