package config

import (
	"slices"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// sizeVocabularies sets, for each layer sized by a vocabulary
// (registry.VocabularySized) that takes a data input of known vocabulary,
// the size the config leaves out to the vocabulary's, recording the key in
// the layer's Defaulted; a size given smaller than the vocabulary is
// reported at its key. When the data section has errors (unknown), the
// vocabularies are not known: a layer that takes data inputs and leaves the
// key out gets size 0, so that it does not report the key as missing.
func sizeVocabularies(r *yamlx.Reporter, layers []Layer, ins []registry.Input, unknown bool) {
	for i, src := range Sources(layers, ins) {
		v, ok := layers[i].Spec.(registry.VocabularySized)
		if !ok {
			continue
		}
		if unknown {
			if !r.Index(i).Has(v.VocabularyKey()) && !slices.ContainsFunc(src, func(j int) bool { return j >= 0 }) {
				v.SetVocabularySize(0)
			}
			continue
		}
		in, fed := vocabularyInput(src, ins)
		if !fed {
			continue
		}
		key := v.VocabularyKey()
		lr := r.Index(i)
		if !lr.Has(key) {
			v.SetVocabularySize(in.Vocabulary)
			if !slices.Contains(layers[i].Defaulted, key) {
				layers[i].Defaulted = append(layers[i].Defaulted, key)
			}
			continue
		}
		if n := v.VocabularySize(); n > 0 && n < in.Vocabulary {
			lr.Field(key).Errorf("%d is smaller than the vocabulary of input %q, %d ids (padding and out-of-vocabulary included): ids from %d on would have no row; leave %s out to take the vocabulary's size",
				n, in.Name, in.Vocabulary, n, key)
		}
	}
}

// vocabularyInput returns the data input of known vocabulary that a layer
// of sources src takes, if any.
func vocabularyInput(src []int, ins []registry.Input) (registry.Input, bool) {
	for _, j := range src {
		k := -1 - j
		if j < 0 && j != NoSource && k < len(ins) && ins[k].Vocabulary > 0 {
			return ins[k], true
		}
	}
	return registry.Input{}, false
}
