package text

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Format names the JSON layout of a Vocabulary; a reader refuses others.
const Format = "exp-text-vocabulary/1"

// MaxJSONBytes is the largest vocabulary JSON ReadVocabulary reads.
const MaxJSONBytes = 1 << 30

// maxJSONBytes is MaxJSONBytes, lowered by a test.
var maxJSONBytes int64 = MaxJSONBytes

// vocabJSON is a Vocabulary's JSON: the options it was fitted with, and its
// tokens in id order from id Reserved on (ids 0 and 1 have no token).
type vocabJSON struct {
	Format string `json:"format"`
	Options
	Tokens []string `json:"tokens"`
}

// MarshalJSON writes the options and the tokens in id order.
func (v *Vocabulary) MarshalJSON() ([]byte, error) {
	tokens := v.tokens
	if tokens == nil {
		tokens = []string{}
	}
	return json.Marshal(vocabJSON{Format: Format, Options: v.opts, Tokens: tokens})
}

// UnmarshalJSON reads what MarshalJSON wrote, and checks it: the format,
// valid options, and distinct, non-empty UTF-8 tokens no more than
// MaxTokens-Reserved.
func (v *Vocabulary) UnmarshalJSON(b []byte) error {
	var j vocabJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("text vocabulary: %w", err)
	}
	if j.Format != Format {
		return fmt.Errorf("text vocabulary: format %q, want %q", j.Format, Format)
	}
	if err := j.Options.validErr(); err != nil {
		return fmt.Errorf("text vocabulary: %w", err)
	}
	if len(j.Tokens) > j.MaxTokens-Reserved {
		return fmt.Errorf("text vocabulary: %d tokens, more than max_tokens %d allows", len(j.Tokens), j.MaxTokens)
	}
	nv := newVocabulary(j.Options, j.Tokens)
	if len(nv.ids) != len(j.Tokens) {
		return errors.New("text vocabulary: a token is listed twice")
	}
	for i, t := range j.Tokens {
		if t == "" || !utf8.ValidString(t) {
			return fmt.Errorf("text vocabulary: token %d (id %d) is empty or not UTF-8", i, i+Reserved)
		}
	}
	*v = *nv
	return nil
}

// ReadVocabulary reads a vocabulary's JSON from r, refusing more than
// MaxJSONBytes.
func ReadVocabulary(r io.Reader) (*Vocabulary, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxJSONBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxJSONBytes {
		return nil, fmt.Errorf("text vocabulary: larger than %d bytes", maxJSONBytes)
	}
	v := new(Vocabulary)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Hash is the hex SHA-256 of the vocabulary's JSON: equal for vocabularies
// that encode every text alike and were fitted with the same options.
func (v *Vocabulary) Hash() string {
	b, _ := v.MarshalJSON() // strings, bools and ints always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Equal reports whether v and w have the same options and tokens.
func (v *Vocabulary) Equal(w *Vocabulary) bool {
	a, _ := v.MarshalJSON() // cannot fail: see Hash
	b, _ := w.MarshalJSON()
	return bytes.Equal(a, b)
}
