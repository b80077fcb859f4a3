package text

import (
	"errors"
	"fmt"
	"strings"
)

const (
	// PadID is the id of padding, after the end of a text.
	PadID int32 = 0
	// OOVID is the id of every token that is not in the vocabulary.
	OOVID int32 = 1
	// Reserved is the number of ids that are not tokens: PadID and OOVID.
	Reserved = 2

	// MaxVocabulary is the largest MaxTokens.
	MaxVocabulary = 2_000_000
	// MaxSequenceLength is the largest SequenceLength.
	MaxSequenceLength = 4096
)

// The tokenizers.
const (
	Words = "words" // maximal runs of \p{L}\p{M}\p{Nd}
	Chars = "chars" // Unicode code points
)

// Options are a text column's settings, the config keys under data.text
// with the same names.
type Options struct {
	// Tokenizer is Words or Chars.
	Tokenizer string `json:"tokenizer"`
	// Lowercase lowercases text (strings.ToLower) before tokenizing.
	Lowercase bool `json:"lowercase"`
	// MaxTokens is the vocabulary's size, the Reserved ids included.
	MaxTokens int `json:"max_tokens"`
	// MinFrequency is how many times a token must occur in the training
	// texts to get an id.
	MinFrequency int `json:"min_frequency"`
	// SequenceLength is the number of ids each text is padded or cut to.
	SequenceLength int `json:"sequence_length"`
}

// DefaultOptions are the defaults of the config keys.
func DefaultOptions() Options {
	return Options{Tokenizer: Words, Lowercase: true, MaxTokens: 20000, MinFrequency: 1, SequenceLength: 128}
}

// FieldError is an invalid option: Key is its config key under data.text
// (e.g. "max_tokens").
type FieldError struct {
	Key string
	Msg string
}

// Error formats the problem as KEY: MSG.
func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// Validate returns one *FieldError for each invalid option, in the order of
// the fields, or nil.
func (o Options) Validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case o.Tokenizer == Words || o.Tokenizer == Chars:
	case strings.HasSuffix(strings.ToLower(o.Tokenizer), ".json"):
		bad("tokenizer", "%q: Hugging Face tokenizer.json files are not supported (no Go library here gives the same ids as Hugging Face's tokenizers); use words or chars", o.Tokenizer)
	default:
		bad("tokenizer", "unknown tokenizer %q; known: chars, words", o.Tokenizer)
	}
	if o.MaxTokens < Reserved+1 || o.MaxTokens > MaxVocabulary {
		bad("max_tokens", "%d is out of range: the vocabulary's size, its %d reserved ids (padding, out of vocabulary) included, must be between %d and %d", o.MaxTokens, Reserved, Reserved+1, MaxVocabulary)
	}
	if o.MinFrequency < 1 {
		bad("min_frequency", "%d is below 1", o.MinFrequency)
	}
	if o.SequenceLength < 1 || o.SequenceLength > MaxSequenceLength {
		bad("sequence_length", "%d is out of range: must be between 1 and %d", o.SequenceLength, MaxSequenceLength)
	}
	return errs
}

// validErr is Validate's problems joined into one error, or nil.
func (o Options) validErr() error { return errors.Join(o.Validate()...) }
