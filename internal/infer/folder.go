package infer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/registry"
)

// FormatVersion is the version of the model folder this exp writes; it
// reads folders up to it and refuses newer ones. Format 2 added Files;
// a folder of format 1 loads with a warning that its files cannot be
// checked.
const FormatVersion = 2

// The files of a model folder.
const (
	MetaFile          = "model.json"
	ConfigFile        = "config.yaml"
	PreprocessingFile = "preprocessing.json"
	WeightsDir        = "weights"
	ReadmeFile        = "README.md"
)

// Meta is a model folder's model.json.
type Meta struct {
	FormatVersion int               `json:"format_version"`
	RunID         int64             `json:"run_id"`
	RunName       string            `json:"run_name"`
	Dataset       string            `json:"dataset"`
	BestEpoch     int               `json:"best_epoch"`
	Metric        string            `json:"metric"`
	Value         float64           `json:"value"`
	Data          registry.DataInfo `json:"data"`
	Classes       []string          `json:"classes,omitempty"`
	// Files holds the size and SHA-256 of each file the model needs (the
	// config, the preprocessing, the weights; not the README), by its
	// slash-separated path in the folder. Required from format 2.
	Files map[string]FileSum `json:"files,omitempty"`

	// Warnings are what opening the folder found wrong without refusing
	// it: a folder of format 1, whose files cannot be checked.
	Warnings []string `json:"-"`
}

// FileSum is a file's size in bytes and SHA-256 (lowercase hex).
type FileSum struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// IsFolder reports whether dir holds a model folder's model.json.
func IsFolder(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, MetaFile))
	return err == nil && !st.IsDir()
}

// Export writes m (the best model of run runName, described by b) as a
// self-contained folder dir, atomically: it is written beside dir and
// renamed into place. dir must not exist, or be empty.
func Export(m *Model, b *Best, runName, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists and is not empty", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, ".tmp-"+filepath.Base(dir))
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	meta := Meta{FormatVersion: FormatVersion, RunID: b.RunID, RunName: runName, Dataset: m.Config.Data.Dataset,
		BestEpoch: b.Epoch, Metric: b.Metric, Value: b.Value, Data: m.m.Info, Classes: m.Classes}
	if err := writeFolder(tmp, m, meta, b.Path); err != nil {
		return err
	}
	os.Remove(dir) // an empty folder
	return os.Rename(tmp, dir)
}

// writeFolder writes the folder's files into dir: the config, the
// preprocessing, the files its layers read (FolderFiles) and the files of
// the checkpoint folder weights, then the README and model.json with each
// file's size and SHA-256.
func writeFolder(dir string, m *Model, meta Meta, weights string) error {
	layerFiles, cfgYAML, err := FolderFiles(m.Config)
	if err != nil {
		return err
	}
	files := map[string][]byte{ConfigFile: []byte(cfgYAML)}
	if m.Preprocessing != nil {
		files[PreprocessingFile] = m.Preprocessing
	}
	meta.Files = map[string]FileSum{}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		meta.Files[name] = FileSum{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	}
	if err := copyLayerFiles(dir, layerFiles, meta.Files); err != nil {
		return err
	}
	if err := copyWeights(weights, dir, meta.Files); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReadmeFile), []byte(readme(meta)), 0o644); err != nil {
		return err
	}
	mj, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MetaFile), append(mj, '\n'), 0o644)
}

// copyWeights copies the files of the checkpoint folder src into
// dir/weights, adding each one's size and SHA-256 to sums.
func copyWeights(src, dir string, sums map[string]FileSum) error {
	names, err := checkpoint.Files(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, WeightsDir), 0o755); err != nil {
		return err
	}
	for _, name := range names {
		rel := path.Join(WeightsDir, name)
		sum, err := copyFile(filepath.Join(src, name), filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		sums[rel] = sum
	}
	return nil
}

// copyFile copies src to dst, fsynced, and returns what it copied's size
// and SHA-256.
func copyFile(src, dst string) (FileSum, error) {
	in, err := os.Open(src)
	if err != nil {
		return FileSum{}, err
	}
	defer in.Close() // read only: closing cannot lose data
	out, err := os.Create(dst)
	if err != nil {
		return FileSum{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return FileSum{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

func readme(meta Meta) string {
	kind := "regression"
	if len(meta.Classes) > 0 {
		kind = fmt.Sprintf("classification into %d classes (%s)", len(meta.Classes), strings.Join(meta.Classes, ", "))
	}
	return fmt.Sprintf(`# Model exported by exp

The best model of run %d (%s): epoch %d, %s %.6g; %s on %s data.

- model.json: this folder's format version, what the model takes, and the
  size and SHA-256 of each file it needs (checked when it is loaded)
- config.yaml: the resolved config it was trained with
- preprocessing.json: how inputs become model inputs (if the dataset has one)
- weights/: the best epoch's weights (a GoMLX checkpoint)
- layers/: the files the model's layers read (an ONNX network), if any

Use it without the database:

    exp predict THIS_FOLDER INPUT...
    exp evaluate THIS_FOLDER --data path=FILE

or from Go: predict.Load("THIS_FOLDER") (package github.com/exp-runner/exp/predict).
`, meta.RunID, meta.RunName, meta.BestEpoch, meta.Metric, meta.Value, kind, meta.Dataset)
}
