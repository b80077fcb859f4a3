package datasets

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/registry"
)

// fileDataset is what the datasets read from a user's files implement
// beyond registry.Dataset: they split themselves, hash the files' contents,
// describe their preprocessing and summarise the data.
type fileDataset interface {
	registry.Dataset
	registry.Splitter
	registry.ContentHasher
	registry.Preprocessor
	registry.Summarizer
}

// limit keeps the train_examples and val_examples of s of d, picked by a
// seeded shuffle; validation_split was held out when the files were read.
func limit(d *registry.Data, s registry.Split, seed uint64) {
	s.Fraction = 0
	_ = s.Apply(d, seed) // without a Fraction, Apply returns no error
}

// resolve returns path made absolute against dir when it is relative (and
// not empty).
func resolve(dir, path string) string {
	if path == "" || filepath.IsAbs(path) || dir == "" {
		return path
	}
	return filepath.Join(dir, path)
}

// checkFile reports at key a file that does not exist or is a folder.
func checkFile(r registry.Reporter, key, path string) bool {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		r.Field(key).Errorf("%s: no such file", path)
		return false
	case err != nil:
		r.Field(key).Errorf("%v", err)
		return false
	case st.IsDir():
		r.Field(key).Errorf("%s is a folder, not a file", path)
		return false
	}
	return true
}

// reportErrors reports each error that err joins at key, one line each.
func reportErrors(r registry.Reporter, key string, err error) {
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			reportErrors(r, key, e)
		}
		return
	}
	var ke *tabular.KeyError
	if errors.As(err, &ke) {
		keyReporter(r, ke.Key).Errorf("%v", ke.Err)
		return
	}
	r.Field(key).Errorf("%v", err)
}
