package config

import (
	"context"
	"errors"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// DecodeFrozen decodes a resolved config (one a run stored) without
// validating it against its data, whose files may be elsewhere or gone:
// the dataset's Info is info instead of what its files say, and Load is an
// error. Everything but the data section is validated as Validate does
// (the loss against info), so that a config edited in a model folder is
// refused with its errors at their keys; layers that read files
// (registry.FileLayer) read them, relative paths resolved against file's
// folder, which the model folder carries them in. An exported model is
// built this way, from its config and the description of the data it was
// trained on.
func DecodeFrozen(file string, src []byte, info registry.DataInfo) (*Config, error) {
	doc, err := yamlx.Parse(file, src)
	if err != nil {
		return nil, err
	}
	r := yamlx.NewReporter(doc)
	c := Default(doc.File)
	c.Source = doc
	yamlx.Decode(r, c)
	if err := r.Err(); err != nil {
		return nil, err
	}
	c.resolve()
	c.Data.Params = Frozen{Dataset: c.Data.Params, Data: info}
	c.Data.Dir = fileDir(doc.File)
	c.validate(r)
	if err := r.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Frozen is a dataset's configuration with the Info of the data a model
// was trained on; its files are not read.
type Frozen struct {
	registry.Dataset
	Data registry.DataInfo
}

// Info returns the stored description of the data.
func (f Frozen) Info() registry.DataInfo { return f.Data }

// MarshalYAMLX encodes the dataset's own keys, as the config they came
// from held them (not the stored description of the data).
func (f Frozen) MarshalYAMLX() *yaml.Node { return yamlx.Encode(f.Dataset) }

// Load is an error: a frozen dataset has no data.
func (f Frozen) Load(context.Context, registry.DataEnv) (*registry.Data, error) {
	return nil, errors.New("an exported model carries no training data")
}
