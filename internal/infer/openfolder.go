package infer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/text"
	"github.com/exp-runner/exp/registry"
)

// Limits on the size of a model folder's files read into memory, checked
// before reading (the weights are checked by package checkpoint).
const (
	maxMetaBytes          = 1 << 20
	maxConfigBytes        = 16 << 20
	maxPreprocessingBytes = 256 << 20
)

// Limits on what model.json may declare: an example's values, the number
// of classes or targets, and a text input's vocabulary.
const (
	maxExampleSize = 1 << 30
	maxOutputs     = 1 << 24
	maxVocabulary  = text.MaxVocabulary // a text input's ids
)

// OpenFolder opens the model folder dir. It checks, before building the
// model: model.json's fields; from format 2, that Files lists every file
// the model needs with its size and SHA-256, and that each file matches;
// that model.json's dataset, classes and data agree with config.yaml and
// preprocessing.json; then the weights against the config (see Open).
// Every problem is an error naming the file and the field; a folder of
// format 1 opens with a warning in Meta.Warnings.
func OpenFolder(dir string) (*Model, *Meta, error) {
	meta, err := readMeta(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := errors.Join(append(checkMeta(dir, meta), checkFiles(dir, meta)...)...); err != nil {
		return nil, nil, err
	}
	src, err := readRegular(filepath.Join(dir, ConfigFile), maxConfigBytes)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.DecodeFrozen(filepath.Join(dir, ConfigFile), src, meta.Data)
	if err != nil {
		return nil, nil, err
	}
	pre, err := readRegular(filepath.Join(dir, PreprocessingFile), maxPreprocessingBytes)
	if errors.Is(err, os.ErrNotExist) {
		pre, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := errors.Join(agree(dir, meta, cfg, pre)...); err != nil {
		return nil, nil, err
	}
	m, err := Open(cfg, pre, filepath.Join(dir, WeightsDir))
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// readMeta reads dir's model.json, strictly (an unknown field is an
// error), and refuses a format this exp does not read.
func readMeta(dir string) (*Meta, error) {
	file := filepath.Join(dir, MetaFile)
	b, err := readRegular(file, maxMetaBytes)
	if err != nil {
		return nil, fmt.Errorf("%s is not a model folder: %w", dir, err)
	}
	var meta Meta
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	switch {
	case meta.FormatVersion > FormatVersion:
		return nil, fmt.Errorf("%s was exported by a newer exp (model folder format %d; this exp reads up to %d): upgrade exp",
			dir, meta.FormatVersion, FormatVersion)
	case meta.FormatVersion < 1:
		return nil, fmt.Errorf("%s: format_version: missing or %d (want 1 to %d)", file, meta.FormatVersion, FormatVersion)
	case meta.FormatVersion == 1:
		meta.Warnings = append(meta.Warnings, fmt.Sprintf(
			"warning: %s is a model folder of format 1, which records no checksums: changes to its files cannot be detected (export the run again to get one that can be checked)", dir))
	}
	return &meta, nil
}

// readRegular reads path, which must be a regular file (following
// symbolic links) of at most limit bytes.
func readRegular(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (mode %s)", path, st.Mode().Type())
	case st.Size() > limit:
		return nil, fmt.Errorf("%s is %d bytes, more than the %d it may hold", path, st.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read only: closing cannot lose data
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s grew beyond %d bytes while being read", path, limit)
	}
	return b, err
}

// checkMeta checks model.json's own fields: the dataset's name, the input
// shape and the classes or targets, each within bounds.
func checkMeta(dir string, meta *Meta) []error {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", filepath.Join(dir, MetaFile), field, fmt.Sprintf(format, args...)))
	}
	d := meta.Data
	if meta.Dataset == "" {
		fail("dataset", "missing")
	}
	if len(d.Inputs) > 0 {
		checkInputs(d, fail)
	} else {
		checkShape("data.Shape", d.Shape, fail)
	}
	switch {
	case d.NumClasses < 0 || d.NumClasses > maxOutputs || d.TargetDim < 0 || d.TargetDim > maxOutputs:
		fail("data", "NumClasses %d, TargetDim %d: out of range (0 to %d)", d.NumClasses, d.TargetDim, maxOutputs)
	case (d.NumClasses > 0) == (d.TargetDim > 0):
		fail("data", "NumClasses %d, TargetDim %d: want classes (classification) or targets (regression)", d.NumClasses, d.TargetDim)
	case len(meta.Classes) != d.NumClasses:
		fail("classes", "%d names for %d classes (data.NumClasses)", len(meta.Classes), d.NumClasses)
	}
	return errs
}

// checkShape checks an example shape of model.json: dimensions of at least
// 1, at most maxExampleSize values in all.
func checkShape(field string, shape []int, fail func(field, format string, args ...any)) {
	size := int64(1)
	for i, n := range shape {
		if n < 1 || int64(n) > maxExampleSize/size {
			fail(field, "%v: dimension %d is %d (each at least 1, at most %d values per example)", shape, i, n, maxExampleSize)
			return
		}
		size *= int64(n)
	}
	if len(shape) == 0 {
		fail(field, "missing")
	}
}

// checkInputs checks model.json's named inputs (a model of text columns):
// each named once, float32 or int32, of a valid shape, a vocabulary not
// below 0; and no Shape beside them.
func checkInputs(d registry.DataInfo, fail func(field, format string, args ...any)) {
	if d.Shape != nil {
		fail("data.Shape", "%v beside data.Inputs: a model takes one or the other", d.Shape)
	}
	seen := map[string]bool{}
	for i, in := range d.Inputs {
		field := fmt.Sprintf("data.Inputs[%d]", i)
		switch {
		case in.Name == "" || seen[in.Name]:
			fail(field+".name", "%q: empty or listed twice", in.Name)
		case in.DType != registry.Float32 && in.DType != registry.Int32:
			fail(field+".dtype", "%q: want float32 or int32", in.DType)
		case in.Vocabulary < 0 || in.Vocabulary > maxVocabulary:
			fail(field+".vocabulary", "%d: out of range (0 to %d)", in.Vocabulary, maxVocabulary)
		}
		seen[in.Name] = true
		checkShape(field+".shape", in.Shape, fail)
	}
}

// checkFiles checks, from format 2, that model.json's files lists every
// file the model needs (the config, the preprocessing if there is one,
// every file of weights/) and that each listed file is a regular file of
// its size and SHA-256.
func checkFiles(dir string, meta *Meta) []error {
	if meta.FormatVersion < 2 {
		return nil
	}
	file := filepath.Join(dir, MetaFile)
	if len(meta.Files) == 0 {
		return []error{fmt.Errorf("%s: files: missing: a folder of format %d records each file's size and SHA-256 (the folder was edited, or written by hand)", file, meta.FormatVersion)}
	}
	var errs []error
	for _, name := range needed(dir) {
		if _, ok := meta.Files[name]; !ok {
			errs = append(errs, fmt.Errorf("%s: files: no entry for %s, which loading the model reads", file, name))
		}
	}
	names := make([]string, 0, len(meta.Files))
	for name := range meta.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkSum(dir, name, meta.Files[name]); err != nil {
			errs = append(errs, fmt.Errorf("%s: files: %q: %w", file, name, err))
		}
	}
	return errs
}

// needed lists the files of dir a model needs, by their slash-separated
// paths: config.yaml, preprocessing.json if it is there, and every file
// under weights/ and layers/.
func needed(dir string) []string {
	out := []string{ConfigFile}
	if _, err := os.Lstat(filepath.Join(dir, PreprocessingFile)); err == nil {
		out = append(out, PreprocessingFile)
	}
	for _, sub := range []string{WeightsDir, LayerFilesDir} {
		filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if rel, err := filepath.Rel(dir, p); err == nil {
					out = append(out, filepath.ToSlash(rel))
				}
			}
			return nil // a missing or unreadable weights/ is reported when it is read
		})
	}
	return out
}

// checkSum checks that the file name (slash-separated, within dir) is a
// regular file of sum's size and SHA-256; the size is checked before
// anything is read.
func checkSum(dir, name string, sum FileSum) error {
	if !filepath.IsLocal(filepath.FromSlash(name)) || path.Clean(name) != name {
		return errors.New("not a path inside the folder")
	}
	if len(sum.SHA256) != sha256.Size*2 {
		return fmt.Errorf("sha256: %q is not a SHA-256 (64 hexadecimal digits)", sum.SHA256)
	}
	p := filepath.Join(dir, filepath.FromSlash(name))
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s does not exist", p)
	case err != nil:
		return err
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (mode %s)", p, st.Mode().Type())
	case st.Size() != sum.Size:
		return fmt.Errorf("size %d, but %s has %d bytes: the file was changed after export", sum.Size, p, st.Size())
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close() // read only: closing cannot lose data
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, sum.Size+1)); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum.SHA256 {
		return fmt.Errorf("sha256 %s, but %s's is %s: the file was changed after export", sum.SHA256, p, got)
	}
	return nil
}

// agree checks model.json's dataset, classes and data against config.yaml
// and the preprocessing (or, for a dataset without one, what its config
// says without reading data).
func agree(dir string, meta *Meta, cfg *config.Config, pre []byte) []error {
	file := filepath.Join(dir, MetaFile)
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", file, field, fmt.Sprintf(format, args...)))
	}
	if meta.Dataset != cfg.Data.Dataset {
		fail("dataset", "%q, but %s says data.dataset: %s", meta.Dataset, ConfigFile, cfg.Data.Dataset)
	}
	want, source, err := expectedInfo(cfg, pre)
	if err != nil {
		return append(errs, fmt.Errorf("%s: %w", filepath.Join(dir, PreprocessingFile), err))
	}
	d := meta.Data
	if want.Shape != nil && !slices.Equal(d.Shape, want.Shape) {
		fail("data.Shape", "%v, but %s gives inputs of shape %v", d.Shape, source, want.Shape)
	}
	if want.Inputs != nil && (!registry.SameInputs(d.Inputs, want.Inputs) || !sameVocabularies(d.Inputs, want.Inputs)) {
		fail("data.Inputs", "%s, but %s gives %s", describeInputs(d.Inputs), source, describeInputs(want.Inputs))
	}
	if (want.Shape != nil || want.Inputs != nil || want.NumClasses > 0) && d.NumClasses != want.NumClasses {
		fail("data.NumClasses", "%d, but %s gives %d", d.NumClasses, source, want.NumClasses)
	}
	if want.TargetDim > 0 && d.TargetDim != want.TargetDim {
		fail("data.TargetDim", "%d, but %s gives %d", d.TargetDim, source, want.TargetDim)
	}
	if d.NumClasses > 0 {
		names, from := preClasses(pre)
		if names == nil {
			names, from = labelNumbers(d.NumClasses), "the label numbers (the preprocessing names no classes)"
		}
		if !slices.Equal(meta.Classes, names) {
			fail("classes", "%q, but %s are %q", meta.Classes, from, names)
		}
	}
	return errs
}

// preprocessedInfo is implemented by the datasets whose preprocessing says
// what a model takes (csv, images, npz).
type preprocessedInfo interface {
	PreprocessedInfo(pre []byte) (registry.DataInfo, error)
}

// expectedInfo returns what cfg's dataset and its preprocessing pre say the
// model takes, and where that comes from; a zero DataInfo when they say
// nothing.
func expectedInfo(cfg *config.Config, pre []byte) (registry.DataInfo, string, error) {
	ds := dataset(cfg)
	if p, ok := ds.(preprocessedInfo); ok {
		if len(pre) == 0 {
			return registry.DataInfo{}, "", fmt.Errorf("missing or empty, and a model of dataset %s needs it", cfg.Data.Dataset)
		}
		info, err := p.PreprocessedInfo(pre)
		return info, PreprocessingFile, err
	}
	if info := unvalidatedInfo(ds); len(info.Shape) > 0 {
		return info, fmt.Sprintf("%s's dataset %s", ConfigFile, cfg.Data.Dataset), nil
	}
	return registry.DataInfo{}, "", nil
}

// unvalidatedInfo returns ds.Info() for a dataset that was not validated:
// what datasets of fixed shape (mnist) say. Info is promised only after
// Validate, which reads the training files an exported model does not
// have; a dataset whose Info needs it returns nothing, or panics, and
// either way says nothing here.
func unvalidatedInfo(ds registry.Dataset) (info registry.DataInfo) {
	defer func() {
		if recover() != nil {
			info = registry.DataInfo{}
		}
	}()
	return ds.Info()
}

// preClasses returns the class names of the preprocessing pre (classes or
// class_names) and the field that holds them; nil if it has none.
func preClasses(pre []byte) ([]string, string) {
	var p struct {
		Classes    []string `json:"classes"`
		ClassNames []string `json:"class_names"`
	}
	if len(pre) == 0 || json.Unmarshal(pre, &p) != nil {
		return nil, ""
	}
	if p.Classes != nil {
		return p.Classes, PreprocessingFile + "'s classes"
	}
	if p.ClassNames != nil {
		return p.ClassNames, PreprocessingFile + "'s class_names"
	}
	return nil, ""
}

func labelNumbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// sameVocabularies reports whether the inputs a and b, which SameInputs
// matched, have the same vocabulary sizes.
func sameVocabularies(a, b []registry.Input) bool {
	for k := range a {
		if a[k].Vocabulary != b[k].Vocabulary {
			return false
		}
	}
	return true
}
