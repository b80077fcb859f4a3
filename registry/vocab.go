package registry

// VocabularySized is implemented by a layer that takes token ids and is
// sized by their vocabulary, as embedding's input_dim is. When such a layer
// takes a data input whose Input.Vocabulary is known (a text column), exp
// sets the size to the vocabulary's if the config leaves the key out
// (before Validate, and without the key entering config_hash), and reports
// a size smaller than the vocabulary's at the key.
type VocabularySized interface {
	Layer
	// VocabularyKey is the layer's key that sets the size ("input_dim").
	VocabularyKey() string
	// VocabularySize returns the size the layer takes (0: not set).
	VocabularySize() int
	// SetVocabularySize sets the size the config left out. n is 0 when the
	// data section has errors and the vocabulary is not known: the layer
	// then reports nothing about the size (the config fails anyway).
	SetVocabularySize(n int)
}
