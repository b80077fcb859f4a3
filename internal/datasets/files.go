package datasets

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/errlist"
	"github.com/exp-runner/exp/internal/infile"
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

// checkFile reports at key a file that does not exist (or a symbolic link
// to nothing), a folder, or anything else that is not a regular file: a
// dataset reads its files twice, to hash and to parse them, which a FIFO or
// a device does not allow.
func checkFile(r registry.Reporter, key, path string) bool {
	if err := infile.CheckRegular(path); err != nil {
		r.Field(key).Errorf("%v", missingFileError(path, err))
		return false
	}
	return true
}

// readLimit is the most bytes one file may hold when holding it in memory
// takes factor times its size, for mem's copies of it: 0 (no limit) with
// Force, or when the machine's memory is not known.
func readLimit(mem registry.MemoryPolicy, factor int64) int64 {
	if mem.Force || mem.Total <= 0 {
		return 0
	}
	return mem.Total / (factor * int64(max(mem.Copies, 1)))
}

// reportErrors reports at key every problem that err joins, with the
// count of those an errlist.List left out, as one error: a config's key
// keeps only its first error, and these are all worth reading. The
// problems after the first go on lines of their own, indented. A problem
// with a key of its own (a *tabular.KeyError, such as a text column's
// setting) is reported at that key instead.
func reportErrors(r registry.Reporter, key string, err error) {
	if msgs := flatten(r, err); len(msgs) > 0 {
		r.Field(key).Errorf("%s", strings.Join(msgs, "\n  "))
	}
}

// flatten lists the messages of err and of the errors it joins, reporting
// those with a key of their own at that key.
func flatten(r registry.Reporter, err error) []string {
	multi, ok := err.(interface{ Unwrap() []error })
	if !ok {
		var ke *tabular.KeyError
		if errors.As(err, &ke) {
			keyReporter(r, ke.Key).Errorf("%v", ke.Err)
			return nil
		}
		return []string{err.Error()}
	}
	var out []string
	for _, e := range multi.Unwrap() {
		out = append(out, flatten(r, e)...)
	}
	if l, ok := err.(*errlist.List); ok && l.More > 0 {
		out = append(out, l.MoreText())
	}
	return out
}
