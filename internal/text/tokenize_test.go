package text

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenizeCases(t *testing.T) {
	words := Options{Tokenizer: Words}
	lower := Options{Tokenizer: Words, Lowercase: true}
	chars := Options{Tokenizer: Chars}
	lowerChars := Options{Tokenizer: Chars, Lowercase: true}
	for _, c := range []struct {
		o    Options
		in   string
		want []string
	}{
		{words, "", nil},
		{words, "  ,.;  ", nil},
		{words, "Hello, World! 42x", []string{"Hello", "World", "42x"}},
		{lower, "Hello, World! 42x", []string{"hello", "world", "42x"}},
		{lower, "don't snake_case a-b 3.14", []string{"don", "t", "snake", "case", "a", "b", "3", "14"}},
		{lower, "Crème Brûlée", []string{"crème", "brûlée"}},
		{lower, "Cafe\u0301!", []string{"cafe\u0301"}},        // a combining mark stays in its word
		{lower, "東京は日本の首都です。", []string{"東京は日本の首都です"}},        // no spaces, one run of letters
		{lower, "I ❤️ Go 🚀🔥!", []string{"i", "\ufe0f", "go"}}, // emoji are symbols, but VS16 is a mark (Mn)
		{lower, "½ ² Ⅻ ٣٤ ⑤", []string{"٣٤"}},                 // only decimal digits (Nd)
		{lower, "ΣΑΣ İstanbul", []string{"σασ", "istanbul"}},  // strings.ToLower: simple case mapping, rune by rune
		{lower, "a\u200db\u00a0c\td\ne", []string{"a", "b", "c", "d", "e"}},
		{lower, "ab\xffcd", []string{"ab", "cd"}}, // an invalid byte is U+FFFD, not a letter
		{lower, "ȺȾ", []string{"ⱥⱦ"}},             // two-byte runes whose lowercase has three bytes
		{chars, "", nil},
		{chars, "Ab c", []string{"A", "b", " ", "c"}},
		{lowerChars, "Ab c", []string{"a", "b", " ", "c"}},
		{lowerChars, "É🚀\u0301", []string{"é", "🚀", "\u0301"}},
		{chars, "a\xffb", []string{"a", "\uFFFD", "b"}},
	} {
		if got := c.o.Tokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%+v.Tokenize(%q) = %q, want %q", c.o, c.in, got, c.want)
		}
	}
}

// pool holds the runes and bytes random texts are made of: ASCII, accents,
// combining marks, case oddities, other scripts, digits of other kinds,
// emoji and joiners, and invalid bytes.
var pool = []string{
	"a", "Z", "q", "0", "9", " ", " ", "\t", "\n", ".", ",", "'", "_", "-", "!",
	"é", "É", "Ⱥ", "ß", "ẞ", "\u0301", "\u0308", "İ", "ı", "Σ", "ς", "ǅ", "Ǆ",
	"東", "京", "は", "한", "ж", "Ж", "ا", "ي", "ह", "\u093f",
	"٣", "१", "½", "²", "Ⅻ", "ⓐ", "Ⓐ", "🙂", "👍🏽", "\u200d", "\ufe0f", "\u00a0",
	"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\uFFFD",
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(40) {
		if r.IntN(10) == 0 {
			b.WriteRune(rune(r.IntN(0x30000))) // any code point, surrogates become U+FFFD
		} else {
			b.WriteString(pool[r.IntN(len(pool))])
		}
	}
	return b.String()
}

// TestTokenizeMatchesReference checks both tokenizers against their
// definitions, written with the standard library: a regular expression over
// strings.ToLower's output, and the runes of that output.
func TestTokenizeMatchesReference(t *testing.T) {
	word := regexp.MustCompile(`[\p{L}\p{M}\p{Nd}]+`)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		s := randomText(r)
		for _, lower := range []bool{false, true} {
			in := s
			if lower {
				in = strings.ToLower(s)
			}
			wantWords := word.FindAllString(in, -1)
			var wantChars []string
			for _, c := range in {
				wantChars = append(wantChars, string(c))
			}
			if got := (Options{Tokenizer: Words, Lowercase: lower}).Tokenize(s); !slices.Equal(got, wantWords) {
				t.Fatalf("words, lowercase %v, %q: got %q, want %q", lower, s, got, wantWords)
			}
			if got := (Options{Tokenizer: Chars, Lowercase: lower}).Tokenize(s); !slices.Equal(got, wantChars) {
				t.Fatalf("chars, lowercase %v, %q: got %q, want %q", lower, s, got, wantChars)
			}
		}
	}
}

// TestTokensAreUTF8 checks that tokens are valid UTF-8 whatever the input,
// so that a vocabulary always marshals to JSON and back unchanged.
func TestTokensAreUTF8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		s := randomText(r)
		for _, o := range []Options{{Tokenizer: Words}, {Tokenizer: Chars}, {Tokenizer: Words, Lowercase: true}} {
			for _, tok := range o.Tokenize(s) {
				if tok == "" || !utf8.ValidString(tok) {
					t.Fatalf("%+v.Tokenize(%q) has token %q", o, s, tok)
				}
			}
		}
	}
}
