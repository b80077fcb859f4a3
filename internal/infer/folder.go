package infer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/registry"
)

// FormatVersion is the version of the model folder this exp writes; it
// reads folders up to it and refuses newer ones.
const FormatVersion = 1

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

func writeFolder(dir string, m *Model, meta Meta, weights string) error {
	mj, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	layerFiles, cfgYAML, err := FolderFiles(m.Config)
	if err != nil {
		return err
	}
	if err := copyLayerFiles(dir, layerFiles); err != nil {
		return err
	}
	files := map[string][]byte{
		MetaFile:   append(mj, '\n'),
		ConfigFile: []byte(cfgYAML),
		ReadmeFile: []byte(readme(meta)),
	}
	if m.Preprocessing != nil {
		files[PreprocessingFile] = m.Preprocessing
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return copyDir(weights, filepath.Join(dir, WeightsDir))
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func readme(meta Meta) string {
	kind := "regression"
	if len(meta.Classes) > 0 {
		kind = fmt.Sprintf("classification into %d classes (%s)", len(meta.Classes), strings.Join(meta.Classes, ", "))
	}
	return fmt.Sprintf(`# Model exported by exp

The best model of run %d (%s): epoch %d, %s %.6g; %s on %s data.

- model.json: this folder's format version and what the model takes
- config.yaml: the resolved config it was trained with
- preprocessing.json: how inputs become model inputs (if the dataset has one)
- weights/: the best epoch's weights (a GoMLX checkpoint)

Use it without the database:

    exp predict THIS_FOLDER INPUT...
    exp evaluate THIS_FOLDER --data path=FILE

or from Go: predict.Load("THIS_FOLDER") (package github.com/exp-runner/exp/predict).
`, meta.RunID, meta.RunName, meta.BestEpoch, meta.Metric, meta.Value, kind, meta.Dataset)
}

// OpenFolder opens the model folder dir.
func OpenFolder(dir string) (*Model, *Meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a model folder: %w", dir, err)
	}
	var meta Meta
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, MetaFile), err)
	}
	if meta.FormatVersion > FormatVersion {
		return nil, nil, fmt.Errorf("%s was exported by a newer exp (model folder format %d; this exp reads up to %d): upgrade exp",
			dir, meta.FormatVersion, FormatVersion)
	}
	if meta.FormatVersion < 1 {
		return nil, nil, fmt.Errorf("%s: %s has no format_version", dir, MetaFile)
	}
	src, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.DecodeFrozen(filepath.Join(dir, ConfigFile), src, meta.Data)
	if err != nil {
		return nil, nil, err
	}
	pre, err := os.ReadFile(filepath.Join(dir, PreprocessingFile))
	if errors.Is(err, os.ErrNotExist) {
		pre, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := Open(cfg, pre, filepath.Join(dir, WeightsDir))
	if err != nil {
		return nil, nil, err
	}
	return m, &meta, nil
}
