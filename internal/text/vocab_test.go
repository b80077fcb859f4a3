package text

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func opts(mut func(*Options)) Options {
	o := DefaultOptions()
	if mut != nil {
		mut(&o)
	}
	return o
}

func fit(t *testing.T, texts []string, o Options) *Vocabulary {
	t.Helper()
	v, err := Fit(texts, o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFitOrder(t *testing.T) {
	texts := []string{"b a c a", "B A é z", "", "d c"}
	for _, c := range []struct {
		name string
		o    Options
		want []string
	}{
		// a:3 b:2 c:2 d:1 é:1 z:1; ties by bytes, so z (0x7a) before é (0xc3 0xa9).
		{"default", opts(nil), []string{"a", "b", "c", "d", "z", "é"}},
		{"cased", opts(func(o *Options) { o.Lowercase = false }), []string{"a", "c", "A", "B", "b", "d", "z", "é"}},
		{"max_tokens", opts(func(o *Options) { o.MaxTokens = 5 }), []string{"a", "b", "c"}},
		{"min_frequency", opts(func(o *Options) { o.MinFrequency = 2 }), []string{"a", "b", "c"}},
		{"min_frequency above all", opts(func(o *Options) { o.MinFrequency = 4 }), []string{}},
		{"chars", opts(func(o *Options) { o.Tokenizer = Chars }), []string{" ", "a", "b", "c", "d", "z", "é"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := fit(t, texts, c.o)
			if got := v.Tokens(); !slices.Equal(got, c.want) {
				t.Errorf("tokens %q, want %q", got, c.want)
			}
			if v.Size() != Reserved+len(c.want) {
				t.Errorf("Size %d, want %d", v.Size(), Reserved+len(c.want))
			}
			for i, tok := range c.want {
				if id := v.ID(tok); id != int32(Reserved+i) {
					t.Errorf("ID(%q) = %d, want %d", tok, id, Reserved+i)
				}
				if got, ok := v.Token(int32(Reserved + i)); !ok || got != tok {
					t.Errorf("Token(%d) = %q, %v", Reserved+i, got, ok)
				}
			}
			for _, id := range []int32{PadID, OOVID, int32(v.Size()), -1} {
				if tok, ok := v.Token(id); ok {
					t.Errorf("Token(%d) = %q, want none", id, tok)
				}
			}
			if id := v.ID("never seen"); id != OOVID {
				t.Errorf("ID of an unknown token = %d, want %d", id, OOVID)
			}
		})
	}
}

// corpus makes n texts of Zipf-distributed words, with case and accents
// mixed in, the same for the same seed.
func corpus(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	zipf := rand.NewZipf(r, 1.1, 1, 50000)
	syll := []string{"ka", "lo", "mi", "Tre", "sé", "ün", "dar", "po", "qi", "ve", "ñu", "zo", "42", "7"}
	word := func(k uint64) string {
		var b strings.Builder
		for k++; k > 0; k /= uint64(len(syll)) {
			b.WriteString(syll[k%uint64(len(syll))])
		}
		return b.String()
	}
	seps := []string{" ", " ", " ", ", ", ". ", " (", ") ", "-", "'"}
	texts := make([]string, n)
	for i := range texts {
		var b strings.Builder
		for j := range 3 + r.IntN(30) {
			if j > 0 {
				b.WriteString(seps[r.IntN(len(seps))])
			}
			b.WriteString(word(zipf.Uint64()))
		}
		texts[i] = b.String()
	}
	return texts
}

// naiveFit is Fit's definition written plainly: count Tokenize's tokens,
// keep those frequent enough, sort by count then bytes, cut.
func naiveFit(texts []string, o Options) []string {
	counts := map[string]int{}
	for _, s := range texts {
		for _, tok := range o.Tokenize(s) {
			counts[tok]++
		}
	}
	var toks []string
	for tok, n := range counts {
		if n >= o.MinFrequency {
			toks = append(toks, tok)
		}
	}
	slices.SortFunc(toks, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	return toks[:min(len(toks), o.MaxTokens-Reserved)]
}

func TestFitMatchesNaive(t *testing.T) {
	texts := corpus(3000, 1)
	for _, o := range []Options{
		opts(nil),
		opts(func(o *Options) { o.Lowercase = false; o.MaxTokens = 500 }),
		opts(func(o *Options) { o.MinFrequency = 3; o.MaxTokens = MaxVocabulary }),
		opts(func(o *Options) { o.Tokenizer = Chars; o.MaxTokens = 10 }),
	} {
		if got, want := fit(t, texts, o).Tokens(), naiveFit(texts, o); !slices.Equal(got, want) {
			t.Errorf("%+v: %d tokens %q…, want %d %q…", o, len(got), got[:min(5, len(got))], len(want), want[:min(5, len(want))])
		}
	}
}

// TestFitDeterministic checks that the vocabulary depends on the texts
// only: not on how many workers count them, nor on the rows' order.
func TestFitDeterministic(t *testing.T) {
	texts := corpus(5*minChunk, 2)
	o := opts(func(o *Options) { o.MaxTokens = 3000 })
	defer func(w int) { maxWorkers = w }(maxWorkers)
	maxWorkers = 1
	one := fit(t, texts, o)
	maxWorkers = 5
	five := fit(t, texts, o)
	shuffled := slices.Clone(texts)
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	five2 := fit(t, shuffled, o)
	if one.Size() != 3000 {
		t.Fatalf("size %d, want 3000", one.Size())
	}
	if !one.Equal(five) || !one.Equal(five2) || one.Hash() != five2.Hash() {
		t.Error("the vocabulary changed with the number of workers or the order of the rows")
	}
}

func TestEncodePadsAndCuts(t *testing.T) {
	v := fit(t, []string{"a a a b b c"}, opts(func(o *Options) { o.SequenceLength = 4 }))
	for _, c := range []struct {
		in   string
		want []int32
	}{
		{"", []int32{0, 0, 0, 0}},
		{"  !? ", []int32{0, 0, 0, 0}},
		{"A", []int32{2, 0, 0, 0}},
		{"c b a", []int32{4, 3, 2, 0}},
		{"a x b y", []int32{2, 1, 3, 1}},
		{"a b c a b c", []int32{2, 3, 4, 2}},
		{"zz a", []int32{1, 2, 0, 0}},
	} {
		got := v.Encode([]int32{99}, c.in)
		if !slices.Equal(got, append([]int32{99}, c.want...)) {
			t.Errorf("Encode(%q) = %v, want 99 then %v", c.in, got, c.want)
		}
	}
}

func TestEncodeAllMatchesEncode(t *testing.T) {
	texts := corpus(3*minChunk+17, 3)
	v := fit(t, texts[:1000], opts(func(o *Options) { o.SequenceLength = 16; o.MaxTokens = 200 }))
	defer func(w int) { maxWorkers = w }(maxWorkers)
	maxWorkers = 3
	all := v.EncodeAll(texts)
	if len(all) != len(texts)*16 {
		t.Fatalf("%d ids, want %d", len(all), len(texts)*16)
	}
	oov := 0
	for i, s := range texts {
		row := v.Encode(nil, s)
		if !slices.Equal(all[i*16:(i+1)*16], row) {
			t.Fatalf("row %d: EncodeAll %v, Encode %v", i, all[i*16:(i+1)*16], row)
		}
		for _, id := range row {
			if id == OOVID {
				oov++
			}
		}
	}
	if oov == 0 {
		t.Error("no token out of the vocabulary: the test does not exercise OOVID")
	}
}

func TestValidate(t *testing.T) {
	if errs := DefaultOptions().Validate(); errs != nil {
		t.Fatalf("defaults invalid: %v", errs)
	}
	ok := []Options{
		opts(func(o *Options) { o.MaxTokens = Reserved + 1 }),
		opts(func(o *Options) { o.MaxTokens = MaxVocabulary }),
		opts(func(o *Options) { o.SequenceLength = 1 }),
		opts(func(o *Options) { o.SequenceLength = MaxSequenceLength }),
		opts(func(o *Options) { o.Tokenizer = Chars; o.Lowercase = false }),
	}
	for _, o := range ok {
		if errs := o.Validate(); errs != nil {
			t.Errorf("%+v: %v", o, errs)
		}
	}
	for _, c := range []struct {
		o    Options
		keys []string
		msg  string
	}{
		{opts(func(o *Options) { o.MaxTokens = 2 }), []string{"max_tokens"}, "between 3 and 2000000"},
		{opts(func(o *Options) { o.MaxTokens = MaxVocabulary + 1 }), []string{"max_tokens"}, "2000001 is out of range"},
		{opts(func(o *Options) { o.SequenceLength = 0 }), []string{"sequence_length"}, "between 1 and 4096"},
		{opts(func(o *Options) { o.SequenceLength = MaxSequenceLength + 1 }), []string{"sequence_length"}, "4097"},
		{opts(func(o *Options) { o.MinFrequency = 0 }), []string{"min_frequency"}, "below 1"},
		{opts(func(o *Options) { o.Tokenizer = "bert/tokenizer.json" }), []string{"tokenizer"}, `"bert/tokenizer.json": Hugging Face tokenizer.json files are not supported`},
		{opts(func(o *Options) { o.Tokenizer = "word" }), []string{"tokenizer"}, `unknown tokenizer "word"; known: chars, words`},
		{Options{Tokenizer: "x"}, []string{"tokenizer", "max_tokens", "min_frequency", "sequence_length"}, ""},
	} {
		errs := c.o.Validate()
		var keys []string
		for _, err := range errs {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FieldError", err)
			}
			keys = append(keys, fe.Key)
		}
		if !slices.Equal(keys, c.keys) {
			t.Errorf("%+v: errors at %q, want %q (%v)", c.o, keys, c.keys, errs)
		}
		if len(errs) > 0 && !strings.Contains(errs[0].Error(), c.msg) {
			t.Errorf("%+v: %q does not say %q", c.o, errs[0], c.msg)
		}
		if _, err := Fit([]string{"a"}, c.o); err == nil {
			t.Errorf("%+v: Fit took invalid options", c.o)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	texts := corpus(2000, 4)
	o := opts(func(o *Options) { o.MaxTokens = 700; o.MinFrequency = 2; o.SequenceLength = 24 })
	v := fit(t, texts, o)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["format"] != Format || raw["tokenizer"] != "words" || raw["sequence_length"] != 24.0 || len(raw["tokens"].([]any)) != 698 {
		t.Errorf("JSON fields: %v", raw)
	}
	w, err := ReadVocabulary(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Equal(w) || v.Hash() != w.Hash() || w.Options() != o {
		t.Fatal("the vocabulary read back differs")
	}
	unseen := corpus(500, 5)
	if !slices.Equal(v.EncodeAll(unseen), w.EncodeAll(unseen)) {
		t.Error("the vocabulary read back encodes differently")
	}
	if got := fit(t, texts, opts(func(o *Options) { o.MaxTokens = 701 })); got.Hash() == v.Hash() {
		t.Error("Hash does not change with the vocabulary")
	}
}

func TestJSONRejects(t *testing.T) {
	good := `{"format":"exp-text-vocabulary/1","tokenizer":"words","lowercase":true,"max_tokens":5,"min_frequency":1,"sequence_length":8,"tokens":["a","b"]}`
	if _, err := ReadVocabulary(strings.NewReader(good)); err != nil {
		t.Fatalf("good JSON: %v", err)
	}
	for _, c := range []struct{ name, json, msg string }{
		{"format", strings.Replace(good, "/1", "/2", 1), `format "exp-text-vocabulary/2"`},
		{"options", strings.Replace(good, `"sequence_length":8`, `"sequence_length":0`, 1), "sequence_length: 0"},
		{"tokenizer", strings.Replace(good, `"words"`, `"bpe"`, 1), `unknown tokenizer "bpe"`},
		{"too many", strings.Replace(good, `"a","b"`, `"a","b","c","d"`, 1), "4 tokens, more than max_tokens 5 allows"},
		{"twice", strings.Replace(good, `"a","b"`, `"a","a"`, 1), "listed twice"},
		{"empty", strings.Replace(good, `"a","b"`, `"a",""`, 1), "token 1 (id 3) is empty"},
		{"syntax", good[:40], "unexpected end"},
	} {
		_, err := ReadVocabulary(strings.NewReader(c.json))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.msg)
		}
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestReadVocabularyLimit(t *testing.T) {
	defer func(n int64) { maxJSONBytes = n }(maxJSONBytes)
	maxJSONBytes = 1 << 16
	_, err := ReadVocabulary(endless{})
	if err == nil || !strings.Contains(err.Error(), "larger than 65536 bytes") {
		t.Errorf("error %v, want one about the size", err)
	}
}
