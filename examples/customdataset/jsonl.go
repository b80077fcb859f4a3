package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Datasets.Register("jsonl", func() registry.Dataset { return &JSONL{} })
}

// JSONL is the `dataset: jsonl` configuration: a JSON Lines file of
// labelled examples, one object a line,
//
//	{"features": [0.8, -1.2], "label": "red"}
//
// Every line has as many features; the classes are the labels, sorted. In
// a config's data section it is written
// {dataset: jsonl, path: blobs.jsonl, split_seed: 1} next to exp's own
// keys (validation_split, train_examples, val_examples).
type JSONL struct {
	Path      string `yaml:"path"`       // the file; relative to the config file's folder
	SplitSeed uint64 `yaml:"split_seed"` // seeds validation_split and the picks of train_examples and val_examples

	file  *jsonlFile // what Validate read
	split [2]int     // training and validation examples after the split
}

// It takes part in everything exp does with a dataset's files.
var (
	_ registry.Dataset       = (*JSONL)(nil)
	_ registry.Splitter      = (*JSONL)(nil)
	_ registry.ContentHasher = (*JSONL)(nil)
	_ registry.Preprocessor  = (*JSONL)(nil)
	_ registry.Summarizer    = (*JSONL)(nil)
)

// jsonlFile is a file read: every line's example, the classes in label
// order and the hash of the file's bytes.
type jsonlFile struct {
	ex      *registry.Examples
	classes []string
	hash    string
}

// Validate reads the file, reporting every bad line at the key path (as
// FILE:LINE: message), and splits it as the data section asks, so that a
// class too small for validation_split is reported before anything trains.
func (j *JSONL) Validate(r registry.Reporter, env registry.DataEnv) {
	if j.Path == "" {
		r.Field("path").Errorf("is required: a JSON Lines file of {\"features\": [...], \"label\": \"...\"}")
		return
	}
	f, errs := readJSONL(j.resolve(env), env.Memory)
	for _, err := range errs {
		r.Field("path").Errorf("%v", err)
	}
	if f == nil {
		return
	}
	j.file = f
	d, err := j.data(env.Split)
	if err != nil {
		r.Field("validation_split").Errorf("%v", err)
		return
	}
	j.split = [2]int{d.Train.N, 0}
	if d.Val != nil {
		j.split[1] = d.Val.N
	}
}

func (j *JSONL) resolve(env registry.DataEnv) string {
	if filepath.IsAbs(j.Path) {
		return j.Path
	}
	return filepath.Join(env.Dir, j.Path)
}

// Info describes the examples Validate read.
func (j *JSONL) Info() registry.DataInfo {
	if j.file == nil {
		return registry.DataInfo{}
	}
	return registry.DataInfo{Shape: j.file.ex.Shape, NumClasses: len(j.file.classes)}
}

// Load returns the examples, split as the data section asks (env.Split):
// a seeded validation split, stratified by class, then seeded picks of
// train_examples and val_examples.
func (j *JSONL) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	if j.file == nil {
		f, errs := readJSONL(j.resolve(env), env.Memory)
		if f == nil {
			return nil, errors.Join(errs...)
		}
		j.file = f
	}
	return j.data(env.Split)
}

// data is the file's examples split by s.
func (j *JSONL) data(s registry.Split) (*registry.Data, error) {
	d := &registry.Data{DataInfo: j.Info(), Name: "jsonl", Train: j.file.ex}
	return d, s.Apply(d, j.SplitSeed)
}

// SplitsItself reports true: Load applies validation_split,
// train_examples and val_examples (Split.Apply), so that a file sorted by
// class validates on every class.
func (j *JSONL) SplitsItself() bool { return true }

// DataHash is the sha256 of the file's bytes: config_hash follows the
// file's contents, not its name or folder.
func (j *JSONL) DataHash() string {
	if j.file == nil {
		return ""
	}
	return j.file.hash
}

// Preprocessing records the class names in label order, which predict
// prints, and the number of features.
func (j *JSONL) Preprocessing() ([]byte, error) {
	if j.file == nil {
		return nil, errors.New("jsonl: the file was not read")
	}
	return json.Marshal(map[string]any{"classes": j.file.classes, "features": j.file.ex.Shape[0]})
}

// Summary describes the file for exp validate: the examples on each side
// of the split and each class's count.
func (j *JSONL) Summary() []string {
	if j.file == nil {
		return nil
	}
	counts := make([]int, len(j.file.classes))
	for _, l := range j.file.ex.Labels {
		counts[l]++
	}
	parts := make([]string, len(counts))
	for i, c := range j.file.classes {
		parts[i] = fmt.Sprintf("%s (%d)", c, counts[i])
	}
	return []string{
		fmt.Sprintf("Data: jsonl %s: %d training, %d validation examples", j.Path, j.split[0], j.split[1]),
		fmt.Sprintf("  %d features; classes (%d, in the file): %s", j.file.ex.Shape[0], len(counts), strings.Join(parts, ", ")),
	}
}

// maxErrors is how many bad lines readJSONL reports before it stops.
const maxErrors = 10

// jsonlLine is one line of the file.
type jsonlLine struct {
	Features []float32 `json:"features"`
	Label    *string   `json:"label"`
}

// readJSONL reads the file at path, after checking with mem that its
// examples fit in memory; it returns nil and the problems (at most
// maxErrors, as FILE:LINE: message) when the file is not sound.
func readJSONL(path string, mem registry.MemoryPolicy) (*jsonlFile, []error) {
	src, err := readChecked(path, mem)
	if err != nil {
		return nil, []error{err}
	}
	var (
		lines []jsonlLine
		errs  []error
	)
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan() && len(errs) < maxErrors; n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		l, err := parseLine(sc.Bytes(), lines)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %v", path, n, err))
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", path, err))
	}
	if len(errs) == 0 && len(lines) == 0 {
		errs = append(errs, fmt.Errorf("%s: no examples", path))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sum := sha256.Sum256(src)
	return examples(lines, hex.EncodeToString(sum[:])), nil
}

// readChecked reads the file at path once mem says that its examples fit:
// they take at most as many bytes as the text (a float32 takes 4 bytes, its
// text with a separator at least 2).
func readChecked(path string, mem registry.MemoryPolicy) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		// A FIFO or a device (/dev/zero) has no size to check: refuse it.
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if err := mem.Check(fmt.Sprintf("jsonl: %s needs", path), st.Size()*2, "float32 features"); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// parseLine decodes one line: its features must be as many as those of
// the lines before.
func parseLine(b []byte, before []jsonlLine) (jsonlLine, error) {
	var l jsonlLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, err
	}
	switch {
	case l.Label == nil:
		return l, errors.New(`no "label"`)
	case len(l.Features) == 0:
		return l, errors.New(`no "features"`)
	case len(before) > 0 && len(l.Features) != len(before[0].Features):
		return l, fmt.Errorf("%d features; the lines before have %d", len(l.Features), len(before[0].Features))
	}
	return l, nil
}

// examples turns the lines into examples whose labels index the sorted
// class names.
func examples(lines []jsonlLine, hash string) *jsonlFile {
	f := &jsonlFile{hash: hash}
	for _, l := range lines {
		if !slices.Contains(f.classes, *l.Label) {
			f.classes = append(f.classes, *l.Label)
		}
	}
	slices.Sort(f.classes)
	width := len(lines[0].Features)
	f.ex = &registry.Examples{N: len(lines), Shape: []int{width},
		X: make([]float32, 0, len(lines)*width), Labels: make([]int32, len(lines))}
	for i, l := range lines {
		f.ex.X = append(f.ex.X, l.Features...)
		f.ex.Labels[i] = int32(slices.Index(f.classes, *l.Label))
	}
	return f
}
