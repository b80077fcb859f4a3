package config

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// This file is what exp does with layers that read files
// (registry.FileLayer): it gives them the config's folder and memory
// policy, resolves their path keys given with --set against the working
// directory, and hashes their files' contents in place of their paths.

// FilesHashKey is the key config_hash puts, in a file-reading layer's
// mapping, in place of the keys naming its files.
const FilesHashKey = "files_hash"

// layerEnv is what a file-reading layer learns of its surroundings: the
// folder relative paths resolve against (the data section's) and the
// memory policy.
func (c *Config) layerEnv() registry.LayerEnv {
	return registry.LayerEnv{Dir: c.Data.Dir, Memory: c.Data.Memory}
}

// readFiles calls ReadFiles on each file-reading layer whose Validate
// reported no problem (its count of problems, by position, in problems).
func readFiles(r *yamlx.Reporter, layers []Layer, problems []int, env registry.LayerEnv) {
	for i, l := range layers {
		if f, ok := l.Spec.(registry.FileLayer); ok && problems[i] == 0 {
			f.ReadFiles(APIReporter(r.Field("layers").Index(i)), env)
		}
	}
}

// counter is a registry.Reporter that counts the problems reported
// through it, and passes them on.
type counter struct {
	r registry.Reporter
	n *int
}

func (c counter) Field(name string) registry.Reporter { return counter{c.r.Field(name), c.n} }
func (c counter) Index(i int) registry.Reporter       { return counter{c.r.Index(i), c.n} }
func (c counter) Has(name string) bool                { return c.r.Has(name) }
func (c counter) Errorf(format string, args ...any) {
	*c.n++
	c.r.Errorf(format, args...)
}

// hashLayerFiles replaces, in the encoded config n, the file keys of each
// file-reading layer that read its files by FilesHashKey with the hash of
// their contents.
func (c *Config) hashLayerFiles(n *yaml.Node) {
	_, m := yamlx.MapGet(n, "model")
	_, ls := yamlx.MapGet(m, "layers")
	if ls == nil || ls.Kind != yaml.SequenceNode || len(ls.Content) != len(c.Model.Layers) {
		return
	}
	for i, l := range c.Model.Layers {
		f, ok := l.Spec.(registry.FileLayer)
		if !ok || f.FilesHash() == "" || ls.Content[i].Kind != yaml.MappingNode {
			continue
		}
		ln := ls.Content[i]
		var kept []*yaml.Node
		for k := 0; k+1 < len(ln.Content); k += 2 {
			if !slices.Contains(f.FileKeys(), ln.Content[k].Value) {
				kept = append(kept, ln.Content[k], ln.Content[k+1])
			}
		}
		ln.Content = append(kept, yamlx.Encode(FilesHashKey), yamlx.Encode(f.FilesHash()))
	}
}

// layerFileKey reports whether key (a key path) names a file key of a
// file-reading layer in doc: model.layers[i].K where layer i's type is a
// registry.FileLayer with K among its FileKeys.
func layerFileKey(doc *yamlx.Doc, key string) bool {
	p, err := keypath.Parse(key)
	if err != nil || len(p) != 4 || p[0].Key != "model" || p[1].Key != "layers" || !p[2].IsIndex || p[3].IsIndex {
		return false
	}
	layer, err := keypath.Get(doc.Root, p[:3])
	if err != nil {
		return false
	}
	_, typ := yamlx.MapGet(layer, "type")
	if typ == nil || typ.Kind != yaml.ScalarNode {
		return false
	}
	factory, err := registry.Layers.Lookup(typ.Value)
	if err != nil {
		return false
	}
	f, ok := factory().(registry.FileLayer)
	return ok && slices.Contains(f.FileKeys(), p[3].Key)
}

// LayerFiles lists, for each file-reading layer of c (by position in
// model.layers), the files it read.
func (c *Config) LayerFiles() map[int][]registry.LayerFile {
	out := map[int][]registry.LayerFile{}
	for i, l := range c.Model.Layers {
		if f, ok := l.Spec.(registry.FileLayer); ok {
			if files := f.Files(); len(files) > 0 {
				out[i] = files
			}
		}
	}
	return out
}
