package infer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/yamlx"
)

// LayerFilesDir is the folder of a model folder that holds the files its
// layers read (an ONNX backbone and its external data), one folder per
// layer by position: layers/0/resnet18.onnx.
const LayerFilesDir = "layers"

// LayerFile is a file a model folder carries for a layer: where it comes
// from and where it goes, relative to the folder.
type LayerFile struct {
	Src, Rel string
}

// FolderFiles returns the files the layers of cfg read
// (registry.FileLayer), with their places in a model folder, and the
// config's YAML naming those places: what makes the folder
// self-contained.
func FolderFiles(cfg *config.Config) ([]LayerFile, string, error) {
	byLayer := cfg.LayerFiles()
	if len(byLayer) == 0 {
		return nil, cfg.YAML(), nil
	}
	layers := make([]int, 0, len(byLayer))
	for i := range byLayer {
		layers = append(layers, i)
	}
	sort.Ints(layers)
	node := cfg.Node()
	var out []LayerFile
	for _, i := range layers {
		for _, f := range byLayer[i] {
			base := filepath.Join(LayerFilesDir, fmt.Sprint(i))
			rel := filepath.Join(base, filepath.Base(f.Path))
			out = append(out, LayerFile{Src: f.Path, Rel: rel})
			for _, w := range f.With {
				out = append(out, LayerFile{Src: filepath.Join(filepath.Dir(f.Path), w), Rel: filepath.Join(base, w)})
			}
			p := append(keypath.MustParse("model.layers"), keypath.Seg{Index: i, IsIndex: true}, keypath.Seg{Key: f.Key})
			if err := keypath.Set(node, p, yamlx.Encode(filepath.ToSlash(rel))); err != nil {
				return nil, "", err
			}
		}
	}
	return out, yamlx.Marshal(node), nil
}

// copyLayerFiles copies files into the folder dir, adding each one's size
// and SHA-256 to sums.
func copyLayerFiles(dir string, files []LayerFile, sums map[string]FileSum) error {
	for _, f := range files {
		dst := filepath.Join(dir, f.Rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		sum, err := copyFile(f.Src, dst)
		if err != nil {
			return err
		}
		sums[filepath.ToSlash(f.Rel)] = sum
	}
	return nil
}
