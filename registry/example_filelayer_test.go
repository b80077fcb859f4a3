package registry_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// Offset adds to its input a number read from a text file. In a config:
// {type: offset, path: offset.txt}, the path relative to the config file.
type Offset struct {
	Path string `yaml:"path"`

	file  string // the file as resolved
	value float64
	hash  string
}

// A program registers it as any layer, from init:
// registry.Layers.Register("offset", func() registry.Layer { return &Offset{} }).
var _ registry.FileLayer = (*Offset)(nil)

// Validate checks the keys; ReadFiles reads the file.
func (o *Offset) Validate(r registry.Reporter) {
	if o.Path == "" {
		r.Field("path").Errorf("is required")
	}
}

// FileKeys names the key holding a path.
func (o *Offset) FileKeys() []string { return []string{"path"} }

// ReadFiles checks the file's size against the memory policy, then reads
// and hashes it.
func (o *Offset) ReadFiles(r registry.Reporter, env registry.LayerEnv) {
	o.file = o.Path
	if !filepath.IsAbs(o.file) {
		o.file = filepath.Join(env.Dir, o.file)
	}
	st, err := os.Stat(o.file)
	if errors.Is(err, fs.ErrNotExist) {
		r.Field("path").Errorf("%s: no such file", o.Path)
		return
	} else if err != nil {
		r.Field("path").Errorf("%v", err)
		return
	}
	if err := env.Memory.Check("offset: "+o.Path+" needs", st.Size(), "bytes"); err != nil {
		r.Field("path").Errorf("%v", err)
		return
	}
	b, err := os.ReadFile(o.file)
	if err == nil {
		o.value, err = strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	}
	if err != nil {
		r.Field("path").Errorf("%s: %v", o.Path, err)
		return
	}
	sum := sha256.Sum256(b)
	o.hash = hex.EncodeToString(sum[:])
}

// FilesHash is the hash of the file's contents ("" until read).
func (o *Offset) FilesHash() string { return o.hash }

// Files lists the file read, for exported model folders.
func (o *Offset) Files() []registry.LayerFile {
	if o.hash == "" {
		return nil
	}
	return []registry.LayerFile{{Key: "path", Path: o.file}}
}

// Build returns x + the number.
func (o *Offset) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	return graph.AddScalar(x, o.value), nil
}

// ExampleFileLayer does what exp does with `- {type: offset, path:
// offset.txt}` in a config file in dir: it validates the layer, then has
// it read its file relative to dir (a path given with --set would be made
// absolute first). config_hash then takes FilesHash in place of the path.
func ExampleFileLayer() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "offset.txt"), []byte("0.5\n"), 0o644); err != nil {
		panic(err)
	}
	r := printReporter{"model.layers[0]"}
	for _, path := range []string{"offset.txt", "missing.txt"} {
		l := &Offset{Path: path}
		l.Validate(r)
		l.ReadFiles(r, registry.LayerEnv{Dir: dir})
		if h := l.FilesHash(); h != "" {
			fmt.Printf("read %s: offset %g, content hash %.12s…, file keys %v\n", path, l.value, h, l.FileKeys())
		}
	}
	// Output:
	// read offset.txt: offset 0.5, content hash 8d5c1b5a87c5…, file keys [path]
	// model.layers[0].path: missing.txt: no such file
}
