// Package text turns free-text cells into fixed-length sequences of int32
// ids: the tokenizers, the vocabulary fitted on training texts, the
// statistics `exp validate` shows for a text column, and a check that text
// is UTF-8.
//
// A column's settings are an Options (the keys under data.text, with the
// same names and defaults). The tokenizers:
//
//   - words: maximal runs of letters, marks and decimal digits
//     (\p{L}\p{M}\p{Nd}); every other character is dropped;
//   - chars: every Unicode code point, spaces and punctuation included.
//
// With Lowercase, text is lowercased first, as strings.ToLower does. Bytes
// that are not UTF-8 read as U+FFFD (use CheckUTF8 to reject them first).
//
// Fit counts the tokens of the training texts, in parallel, and keeps the
// MaxTokens-2 most frequent ones that occur at least MinFrequency times.
// Tokens are ordered by frequency, most frequent first, and ties by the
// tokens' bytes, so the vocabulary is a pure function of the texts and the
// options. Id 0 (PadID) is padding and id 1 (OOVID) stands for every token
// out of the vocabulary; the kept tokens have ids 2, 3, ….
//
// A Vocabulary encodes any text to exactly SequenceLength ids, padded with
// PadID and cut at the end. It marshals to JSON with its options, so that a
// run can store it and an exported model can carry it, and the unmarshalled
// copy encodes every text as the original does.
//
// Hugging Face tokenizer.json files are not read: no Go library served here
// gives the ids that Hugging Face's tokenizers give (testdata/hf holds the
// reference fixtures and what the one candidate library gets wrong), so
// Validate rejects any tokenizer but words and chars.
package text

//go:generate go run ./internal/godocgen -out ../../configs/data
