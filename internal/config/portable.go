package config

import (
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/yamlx"
)

// Portable returns c as a folder meant to be shipped should hold it: the
// data section's absolute paths (PathKeys; --set makes them absolute)
// become their base names, so that no path of the machine that trained
// the model travels with it. c itself comes back when it has none; a
// changed config is decoded as DecodeFrozen does, with c's data
// description, for its files are no longer at hand.
func (c *Config) Portable() (*Config, error) {
	n := c.Node()
	_, d := yamlx.MapGet(n, "data")
	changed := false
	for i := 0; d != nil && d.Kind == yaml.MappingNode && i+1 < len(d.Content); i += 2 {
		k, v := d.Content[i], d.Content[i+1]
		if slices.Contains(PathKeys, "data."+k.Value) && v.Kind == yaml.ScalarNode && filepath.IsAbs(v.Value) {
			v.Value = filepath.Base(v.Value)
			changed = true
		}
	}
	if !changed {
		return c, nil
	}
	file := "config.yaml"
	if c.Source != nil {
		file = c.Source.File
	}
	return DecodeFrozen(file, []byte(yamlx.Marshal(n)), c.Data.Params.Info())
}
