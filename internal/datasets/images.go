package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"strings"

	"github.com/exp-runner/exp/internal/images"
	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/registry"
)

// Images is the `dataset: images` configuration: a folder with a subfolder
// of images per class, or a labels CSV (file,label) naming the images.
type Images struct {
	Path       string   `yaml:"path,omitempty"`        // a folder path/<class>/<image>
	Labels     string   `yaml:"labels,omitempty"`      // or a labels CSV: file,label (paths relative to it)
	ValPath    string   `yaml:"val_path,omitempty"`    // validation images: a folder or a labels CSV
	Task       string   `yaml:"task,omitempty"`        // classification (default) or regression (numeric labels)
	ClassNames []string `yaml:"class_names,omitempty"` // the classes in label order (default: sorted names)
	ImageSize  []int    `yaml:"image_size,omitempty"`  // [height, width] to resize to (bilinear)
	ColorMode  string   `yaml:"color_mode,omitempty"`  // grayscale or rgb (default: that of the images)
	Augment    *Augment `yaml:"augment,omitempty"`     // random changes to training images
	SplitSeed  uint64   `yaml:"split_seed,omitempty"`
	// MaxImagePixels raises (or lowers) the most pixels an image may
	// declare (default images.DefaultMaxPixels); it changes no result,
	// so config_hash leaves it out (config.UnhashedKeys).
	MaxImagePixels int64 `yaml:"max_image_pixels,omitempty"`
	// Normalize normalises the images per channel after the [0, 1]
	// scaling (see Normalize); the model's graph applies it.
	Normalize *Normalize `yaml:"normalize,omitempty"`

	loaded *imagesLoaded
	notes  []string
}

// Augment is `augment:`: what changes each training image, drawn anew for
// every (seed, epoch, example).
type Augment struct {
	Flip   string  `yaml:"flip,omitempty"`   // horizontal, vertical or both
	Shift  float64 `yaml:"shift,omitempty"`  // up to ±this fraction of the height and width
	Rotate float64 `yaml:"rotate,omitempty"` // up to ±this many degrees
	Zoom   float64 `yaml:"zoom,omitempty"`   // a factor in [1-zoom, 1+zoom]
}

// imagesLoaded is an images dataset read and split.
type imagesLoaded struct {
	Info       registry.DataInfo
	Train, Val *registry.Examples
	Set        *images.Set
	Copied     bool // Train and Val are copies of Set's images (validation_split)
	Skipped    string
	Warnings   []string
	Hash       string
}

func init() {
	registry.Datasets.Register("images", func() registry.Dataset { return &Images{} })
}

var (
	_ registry.Dataset = (*Images)(nil)
	_ fileDataset      = (*Images)(nil)
)

// SplitsItself reports true: the images are split as env.Split asks,
// seeded by split_seed.
func (m *Images) SplitsItself() bool { return true }

// Validate checks the keys, then scans and decodes the images.
func (m *Images) Validate(r registry.Reporter, env registry.DataEnv) {
	ok := m.validateKeys(r)
	src, key := m.source()
	if src == "" {
		r.Field("path").Errorf("is required: a folder path/<class>/<image> (or labels: a CSV of file,label)")
		return
	}
	if m.ValPath != "" && env.Split.Fraction != 0 {
		r.Field("val_path").Errorf("and validation_split both give validation images; keep one")
		ok = false
	}
	if !ok || !m.checkPaths(r, env, src, key) {
		return
	}
	spec := imagesKey{Src: resolve(env.Dir, src), Val: resolve(env.Dir, m.ValPath), Task: m.Task,
		Classes: m.ClassNames, Size: m.ImageSize, Color: m.ColorMode, Frac: env.Split.Fraction, Seed: m.SplitSeed,
		MaxPixels: m.MaxImagePixels}
	loaded, err := cached(files, spec, func() (*imagesLoaded, error) { return spec.load(env.Ctx(), env.Memory) }, (*imagesLoaded).bytes)
	if err != nil {
		reportErrors(r, key, err)
		return
	}
	m.loaded = loaded
	if m.Normalize != nil {
		m.Normalize.validate(r.Field("normalize"))
		m.input().check(r, loaded.Info.Shape, "images")
	}
}

// checkPaths reports, at its key, each of the source and val_path that
// does not exist, with the command that writes it when there is one.
func (m *Images) checkPaths(r registry.Reporter, env registry.DataEnv, src, key string) bool {
	ok := true
	for _, p := range []struct{ key, path string }{{key, src}, {"val_path", m.ValPath}} {
		if p.path == "" {
			continue
		}
		path := resolve(env.Dir, p.path)
		if _, err := infile.Stat(path); err != nil {
			r.Field(p.key).Errorf("%v", missingFileError(path, err))
			ok = false
		}
	}
	return ok
}

// source returns the labels CSV or the folder, and its key.
func (m *Images) source() (string, string) {
	if m.Labels != "" {
		return m.Labels, "labels"
	}
	return m.Path, "path"
}

func (m *Images) validateKeys(r registry.Reporter) bool {
	n := 0
	oneOf(r, "task", m.Task, "classification", "regression")
	oneOf(r, "color_mode", m.ColorMode, "grayscale", "rgb")
	if m.Path != "" && m.Labels != "" {
		r.Field("labels").Errorf("and path both name the images; keep one")
		n++
	}
	if m.ImageSize != nil && (len(m.ImageSize) != 2 || m.ImageSize[0] <= 0 || m.ImageSize[1] <= 0) {
		r.Field("image_size").Errorf("must be [height, width], both > 0, got %v", m.ImageSize)
		n++
	}
	if m.MaxImagePixels < 0 {
		r.Field("max_image_pixels").Errorf("must be > 0 (default %d), got %d", images.DefaultMaxPixels, m.MaxImagePixels)
		n++
	}
	if m.Task == "regression" && m.ClassNames != nil {
		r.Field("class_names").Errorf("is for classification; task is regression")
		n++
	}
	if m.Augment != nil {
		if _, err := m.Augment.augmentation(); err != nil {
			r.Field("augment").Errorf("%v", err)
			n++
		}
	}
	return n == 0
}

func (a *Augment) augmentation() (images.Augmentation, error) {
	flip, err := images.ParseFlip(a.Flip)
	if err != nil {
		return images.Augmentation{}, err
	}
	aug := images.Augmentation{Flip: flip, Shift: a.Shift, Rotate: a.Rotate, Zoom: a.Zoom}
	return aug, aug.Validate()
}

// imagesKey is everything that decides what an images dataset loads.
type imagesKey struct {
	Src, Val, Task, Color string
	Classes               []string
	Size                  []int
	Frac                  float64
	Seed                  uint64
	MaxPixels             int64
}

func (k imagesKey) options() images.Options {
	o := images.Options{MaxPixels: k.MaxPixels}
	if len(k.Size) == 2 {
		o.Height, o.Width = k.Size[0], k.Size[1]
	}
	switch k.Color {
	case "grayscale":
		o.Color = images.Grayscale
	case "rgb":
		o.Color = images.RGB
	}
	return o
}

func (k imagesKey) scanOptions(classes []string) images.ScanOptions {
	o := images.ScanOptions{ClassNames: classes}
	if k.Task == "regression" {
		o.Task = images.Regression
	}
	return o
}

// load scans, decodes and splits the images, after checking with mem
// that they fit in memory.
func (k imagesKey) load(ctx context.Context, mem registry.MemoryPolicy) (*imagesLoaded, error) {
	list, err := images.Scan(ctx, k.Src, k.scanOptions(k.Classes))
	if err != nil {
		return nil, err
	}
	if err := k.checkMemory(mem, list); err != nil {
		return nil, err
	}
	set, err := images.Load(ctx, list, k.options())
	if err != nil {
		return nil, err
	}
	out := &imagesLoaded{Set: set, Skipped: list.SkippedMessage()}
	out.warn(set)
	entries := list.Entries
	all := imageExamples(set)
	switch {
	case k.Val != "":
		vlist, err := images.Scan(ctx, k.Val, k.scanOptions(set.ClassNames))
		if err != nil {
			return nil, err
		}
		vset, err := images.LoadLike(ctx, vlist, k.options(), set)
		if err != nil {
			return nil, err
		}
		out.warn(vset)
		out.Train, out.Val = all, imageExamples(vset)
		entries = append(append([]images.Entry(nil), entries...), vlist.Entries...)
	case k.Frac > 0:
		d := &registry.Data{Train: all}
		if err := (registry.Split{Fraction: k.Frac}).Apply(d, k.Seed); err != nil {
			return nil, fmt.Errorf("%s: %w", k.Src, err)
		}
		out.Train, out.Val, out.Copied = d.Train, d.Val, true
	default:
		out.Train = all
	}
	if out.Hash, err = hashEntries(ctx, entries); err != nil {
		return nil, err
	}
	out.Info = registry.DataInfo{Shape: all.Shape, Validation: out.Val != nil}
	if set.Task == images.Classification {
		out.Info.NumClasses = len(set.ClassNames)
	} else {
		out.Info.TargetDim = 1
	}
	return out, nil
}

// checkMemory refuses, as mem says, images that cannot fit in memory as
// bytes, before decoding them: the listed files at image_size, or at the
// first image's size.
func (k imagesKey) checkMemory(mem registry.MemoryPolicy, list *images.List) error {
	if len(list.Entries) == 0 {
		return nil
	}
	h, w, c := 0, 0, 1
	if f, err := os.Open(list.Entries[0].Path); err == nil {
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err == nil {
			h, w = cfg.Height, cfg.Width
			if cfg.ColorModel != color.GrayModel && cfg.ColorModel != color.Gray16Model {
				c = 3
			}
		}
	}
	if len(k.Size) == 2 {
		h, w = k.Size[0], k.Size[1]
	}
	switch k.Color {
	case "grayscale":
		c = 1
	case "rgb":
		c = 3
	}
	n := len(list.Entries)
	what := fmt.Sprintf("images: %s files at %d×%d×%d need", commas(n), h, w, c)
	return mem.Check(what, int64(n)*int64(h*w*c), "uint8")
}

// bytes is the memory of the images l holds: the training and validation
// examples, and the decoded set when they are copies of it (a split).
func (l *imagesLoaded) bytes() int64 {
	n := l.Train.Bytes() + l.Val.Bytes()
	if l.Copied {
		n += imageExamples(l.Set).Bytes()
	}
	return n
}

func (l *imagesLoaded) warn(s *images.Set) {
	if s.CacheErr != nil {
		l.Warnings = append(l.Warnings, fmt.Sprintf("warning: %v", s.CacheErr))
	}
}

func imageExamples(s *images.Set) *registry.Examples {
	ex := &registry.Examples{N: s.N, Shape: []int{s.H, s.W, s.C}, Pixels: s.Pix, Labels: s.Labels}
	if s.Task == images.Regression {
		ex.Labels, ex.Targets = nil, s.Targets
	}
	return ex
}

// Info describes the images Validate read.
func (m *Images) Info() registry.DataInfo {
	if m.loaded == nil {
		return registry.DataInfo{}
	}
	return m.loaded.Info
}

// Load returns the images Validate read, with the augmentation of the
// training images when augment: is set.
func (m *Images) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	if m.loaded == nil {
		r := &collect{}
		m.Validate(r, env)
		if err := r.err(); err != nil {
			return nil, err
		}
	}
	l := m.loaded
	d := &registry.Data{DataInfo: l.Info, Name: "images", Train: l.Train, Val: l.Val}
	limit(d, env.Split, m.SplitSeed)
	if m.Augment != nil {
		aug, err := m.Augment.augmentation()
		if err != nil {
			return nil, err
		}
		d.Train = augmented(d.Train, aug, m.SplitSeed)
	}
	return d, nil
}

// augmented returns ex whose training batches are augmented by aug, drawn
// from (seed, epoch, example index): a pure function, so a resumed run
// sees the same images.
func augmented(ex *registry.Examples, aug images.Augmentation, seed uint64) *registry.Examples {
	out := *ex
	h, w, c := ex.Shape[0], ex.Shape[1], ex.Shape[2]
	size := h * w * c
	out.Augment = func(x []float32, idx []int, epoch int) {
		for i, j := range idx {
			images.Augment(x[i*size:(i+1)*size], ex.Pixels[j*size:(j+1)*size], h, w, c, aug, seed, epoch, j)
		}
	}
	return &out
}

// DataHash is the hash of the images' contents.
func (m *Images) DataHash() string {
	if m.loaded == nil {
		return ""
	}
	return m.loaded.Hash
}

// input is what the model's graph does first to the images: normalize
// (color_mode is applied when the images are decoded).
func (m *Images) input() imageInput { return imageInput{norm: m.Normalize} }

// InputTransform returns normalize as the model's graph applies it.
func (m *Images) InputTransform() (rgb bool, mean, std []float64) { return m.input().InputTransform() }

// imagesPreprocessing is what an images run stores.
type imagesPreprocessing struct {
	Version    int      `json:"version"`
	Task       string   `json:"task"`
	ClassNames []string `json:"class_names,omitempty"`
	ImageSize  []int    `json:"image_size"` // [height, width] of the model's inputs
	Resize     bool     `json:"resize"`     // inputs are resized to image_size (bilinear)
	ColorMode  string   `json:"color_mode"` // grayscale or rgb
	Scale      string   `json:"scale"`      // pixels become v/255
	// Normalize: the model's graph normalises the scaled pixels.
	Normalize *normalizeJSON `json:"normalize,omitempty"`
}

// Preprocessing returns the classes, size and colour mode as JSON.
func (m *Images) Preprocessing() ([]byte, error) {
	l := m.loaded
	if l == nil {
		return nil, fmt.Errorf("images: the data was not read")
	}
	s := l.Set
	p := imagesPreprocessing{Version: 1, Task: s.Task.String(), ClassNames: s.ClassNames,
		ImageSize: []int{s.H, s.W}, Resize: len(m.ImageSize) == 2, ColorMode: "grayscale", Scale: "v/255",
		Normalize: m.input().preprocessing()}
	if s.C == 3 {
		p.ColorMode = "rgb"
	}
	return json.Marshal(p)
}

// Summary describes the images for exp validate.
func (m *Images) Summary() []string {
	l := m.loaded
	if l == nil {
		return nil
	}
	src, _ := m.source()
	valN := 0
	if l.Val != nil {
		valN = l.Val.N
	}
	s := l.Set
	out := []string{
		fmt.Sprintf("Data: images %s: %s", src, examplesLine(l.Train.N, valN)),
		fmt.Sprintf("  images: %d×%d×%d (%s)", s.H, s.W, s.C, map[bool]string{true: "rgb", false: "grayscale"}[s.C == 3]),
		fmt.Sprintf("  task: %s", s.Task),
	}
	if l.Skipped != "" {
		out = append(out, "  "+l.Skipped)
	}
	if s.Task == images.Classification {
		out = append(out, classLines(s.ClassNames, l.Train.Labels)...)
	}
	if m.Augment != nil {
		out = append(out, fmt.Sprintf("  augment (training only): %s", strings.TrimSpace(fmt.Sprintf("%+v", *m.Augment))))
	}
	return append(out, l.Warnings...)
}
