package infer

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/datasets"
	"github.com/exp-runner/exp/internal/errlist"
	"github.com/exp-runner/exp/internal/images"
	"github.com/exp-runner/exp/internal/infile"
	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/registry"
)

// Inputs are examples to predict, in input order, with what identifies
// each in the output.
type Inputs struct {
	// IDName names the identifier column: row (a CSV's physical line,
	// header = 1), path (an image file) or index (an idx or npz example,
	// from 0).
	IDName string
	IDs    []string
	// Split holds the examples; Labels or Targets when the inputs had them.
	Split *registry.Examples
	// Columns and Extra are a CSV's other columns (the target among them),
	// kept in the output: Extra[i][k] is example i's value of Columns[k].
	Columns []string
	Extra   [][]string
}

// Validation returns the run's own validation set, as it was scored
// during training: the stored config's dataset loaded again (same files,
// same split seed, same slices).
func Validation(ctx context.Context, cfg *config.Config) (*Inputs, error) {
	set, err := cfg.Data.Load(ctx)
	if err != nil {
		return nil, err
	}
	if set.Val == nil || set.Val.N == 0 {
		return nil, fmt.Errorf("the run has no validation set")
	}
	in := &Inputs{IDName: "index", Split: set.Val, IDs: make([]string, set.Val.N)}
	for i := range in.IDs {
		in.IDs[i] = strconv.Itoa(i)
	}
	return in, nil
}

// Read turns input files into examples the way the run's dataset kind
// takes them: CSV files (csv), image files or folders (images, mnist),
// idx files (mnist), .npz archives or .npy files (npz). Several files are concatenated in order.
func (m *Model) Read(ctx context.Context, paths []string) (*Inputs, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no input files")
	}
	var all []*Inputs
	errs := &errlist.List{}
	for _, p := range paths {
		in, err := m.read(ctx, p)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if l, ok := err.(*errlist.List); ok {
			errs.Merge(l)
			continue
		}
		errs.Add(err)
		all = append(all, in)
	}
	if err := errs.Err(); err != nil {
		return nil, err // every file's problems, not the first file's only
	}
	return concat(all)
}

func (m *Model) read(ctx context.Context, path string) (*Inputs, error) {
	switch kind := m.Config.Data.Dataset; kind {
	case "csv":
		return m.readCSV(ctx, path)
	case "mnist":
		if isIDX(path) {
			return readIDX(ctx, path)
		}
		return m.readImages(ctx, path, imageOptions{Size: []int{28, 28}, Color: "grayscale"})
	case "images":
		o, err := m.imageOptions()
		if err != nil {
			return nil, err
		}
		return m.readImages(ctx, path, o)
	case "npz":
		return m.readNPZ(ctx, path)
	default:
		return nil, fmt.Errorf("predicting from files is not supported for dataset %q; use --split val", kind)
	}
}

// dataset returns cfg's dataset configuration (unwrapping a Frozen one).
func dataset(cfg *config.Config) registry.Dataset {
	if f, ok := cfg.Data.Params.(config.Frozen); ok {
		return f.Dataset
	}
	return cfg.Data.Params
}

// readLimit is the most bytes an input file read whole may hold: half of
// the machine's memory (its values take about as much again).
func readLimit() int64 { return infile.MemoryLimit(2) }

// readCSV applies the run's preprocessing to a CSV file: columns by name in
// any order; the target, when present, gives labels or targets.
func (m *Model) readCSV(ctx context.Context, path string) (*Inputs, error) {
	p, err := tabular.ParsePreprocessing(m.Preprocessing)
	if err != nil {
		return nil, m.preprocessingError(err)
	}
	opt := tabular.ReadOptions{MaxBytes: readLimit(), Raw: p.TextColumns()}
	if c, ok := dataset(m.Config).(*datasets.CSV); ok {
		switch d := c.Delimiter; {
		case d == `\t`:
			opt.Delimiter = '\t'
		case len(d) == 1:
			opt.Delimiter = d[0]
		}
	}
	t, err := tabular.ReadFile(ctx, path, opt)
	if err != nil {
		return nil, err
	}
	withTarget := false
	for _, c := range t.Columns {
		withTarget = withTarget || c.Name == p.Target
	}
	d, err := p.Apply(t, withTarget)
	if err != nil {
		return nil, err
	}
	in := &Inputs{IDName: "row", Split: d.Split()}
	in.Columns, in.Extra = extraColumns(t, p, d.Lines)
	for _, l := range d.Lines {
		in.IDs = append(in.IDs, strconv.Itoa(int(l)))
	}
	return in, nil
}

// extraColumns returns the columns of t that are not features or text
// columns, with each kept row's values (rows by their lines).
func extraColumns(t *tabular.Table, p *tabular.Preprocessing, lines []int32) ([]string, [][]string) {
	features := map[string]bool{}
	for _, f := range p.Features {
		features[f.Name] = true
	}
	for _, name := range p.TextColumns() {
		features[name] = true
	}
	row := make(map[int32]int, t.N())
	for i, l := range t.Lines {
		row[l] = i
	}
	var cols []*tabular.Column
	var names []string
	for _, c := range t.Columns {
		if !features[c.Name] {
			cols, names = append(cols, c), append(names, c.Name)
		}
	}
	extra := make([][]string, len(lines))
	for i, l := range lines {
		for _, c := range cols {
			extra[i] = append(extra[i], c.Value(row[l]))
		}
	}
	return names, extra
}

// isIDX reports whether path is a regular file that starts as an idx file
// (or a gzip one) does; a FIFO or a device is not read here, so that its
// bytes are left for the reader that reports it.
func isIDX(path string) bool {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	b := make([]byte, 4)
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.Read(b); err != nil {
		return false
	}
	return (b[0] == 0 && b[1] == 0 && b[2] == 8) || (b[0] == 0x1f && b[1] == 0x8b)
}

// readIDX reads MNIST images (3 dimensions) or, for a labels file (1
// dimension), labels only: pair it after its images file.
func readIDX(ctx context.Context, path string) (*Inputs, error) {
	idx, err := datasets.ReadIDX(ctx, path, readLimit())
	if err != nil {
		return nil, err
	}
	switch len(idx.Dims) {
	case 1:
		labels := make([]int32, len(idx.Data))
		for i, b := range idx.Data {
			labels[i] = int32(b)
		}
		return &Inputs{IDName: "labels", Split: &registry.Examples{N: len(labels), Labels: labels}, IDs: []string{path}}, nil
	case 3:
		n, h, w := idx.Dims[0], idx.Dims[1], idx.Dims[2]
		if h != 28 || w != 28 {
			return nil, fmt.Errorf("%s: expected 28×28 images, found %d×%d", path, h, w)
		}
		in := &Inputs{IDName: "index", Split: &registry.Examples{N: n, Shape: []int{28, 28, 1}, Pixels: idx.Data}, IDs: make([]string, n)}
		for i := range in.IDs {
			in.IDs[i] = strconv.Itoa(i)
		}
		return in, nil
	}
	return nil, fmt.Errorf("%s: expected images (3 dimensions) or labels (1), found dimensions %v", path, idx.Dims)
}

// imageOptions are the parts of an images run's preprocessing that decode
// new images.
type imageOptions struct {
	Size   []int  `json:"image_size"`
	Resize bool   `json:"resize"`
	Color  string `json:"color_mode"`
}

// readImages decodes an image file, or every image under a folder (sorted
// by path), as the run's images were.
func (m *Model) readImages(ctx context.Context, path string, o imageOptions) (*Inputs, error) {
	files, err := imageFiles(path)
	if err != nil {
		return nil, err
	}
	list, err := images.ListFiles(path, files)
	if err != nil {
		return nil, err
	}
	set, err := m.loadImages(ctx, list, o, files[0])
	if err != nil {
		return nil, err
	}
	return &Inputs{IDName: "path", IDs: files, Split: &registry.Examples{N: set.N, Shape: []int{set.H, set.W, set.C}, Pixels: set.Pix}}, nil
}

// loadImages decodes list's images as the run's were (its colour mode, and
// its size when it set image_size) and checks them against the model's
// input size; errors name where, a file or folder.
func (m *Model) loadImages(ctx context.Context, list *images.List, o imageOptions, where string) (*images.Set, error) {
	opts := images.Options{NoCache: true, Color: images.Grayscale, MaxPixels: m.maxImagePixels()}
	if o.Color == "rgb" {
		opts.Color = images.RGB
	}
	if o.Resize && len(o.Size) == 2 {
		opts.Height, opts.Width = o.Size[0], o.Size[1]
	}
	set, err := images.Load(ctx, list, opts)
	if err != nil {
		return nil, err
	}
	if want := m.Shape(); len(want) == 3 && (set.H != want[0] || set.W != want[1]) {
		return nil, fmt.Errorf("%s: image is %d×%d, the model takes %d×%d (the run did not set image_size, so images are not resized)",
			where, set.H, set.W, want[0], want[1])
	}
	return set, nil
}

// maxImagePixels is MaxImagePixels, else the run's
// data.max_image_pixels (0: the default).
func (m *Model) maxImagePixels() int64 {
	if m.MaxImagePixels > 0 {
		return m.MaxImagePixels
	}
	if d, ok := dataset(m.Config).(*datasets.Images); ok {
		return d.MaxImagePixels
	}
	return 0
}

// imageFiles returns path if it is a file, else the images under it.
func imageFiles(path string) ([]string, error) {
	st, err := infile.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && images.IsImageName(d.Name()) {
			out = append(out, p)
		}
		return err
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s: no images", path)
	}
	sort.Strings(out)
	return out, err
}
