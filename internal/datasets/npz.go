package datasets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/contenthash"
	"github.com/exp-runner/exp/internal/npy"
	"github.com/exp-runner/exp/registry"
)

// NPZ is the `dataset: npz` configuration: examples x and labels or
// targets y, as two arrays of an .npz archive or as two .npy files.
type NPZ struct {
	Path      string `yaml:"path,omitempty"`     // the .npz archive
	X         string `yaml:"x,omitempty"`        // its inputs array (default "x")
	Y         string `yaml:"y,omitempty"`        // its labels or targets array (default "y")
	XPath     string `yaml:"x_path,omitempty"`   // instead of path: the inputs .npy file
	YPath     string `yaml:"y_path,omitempty"`   // and the labels or targets .npy file
	ValPath   string `yaml:"val_path,omitempty"` // an .npz archive of validation examples, same array names
	Task      string `yaml:"task,omitempty"`     // classification or regression (default: integer y is classes)
	SplitSeed uint64 `yaml:"split_seed,omitempty"`
	// ColorMode rgb gives grey images ([N, H, W] or [N, H, W, 1]) three
	// channels; Normalize normalises the inputs per channel (see
	// Normalize). The model's graph applies both.
	ColorMode string     `yaml:"color_mode,omitempty"`
	Normalize *Normalize `yaml:"normalize,omitempty"`

	loaded *npzLoaded
}

// npzLoaded is an npz dataset read, split and converted.
type npzLoaded struct {
	Info       registry.DataInfo
	Train, Val *registry.Examples
	Classes    []int64
	Task       string
	TaskReason string
	XDType     string
	Hash       string
}

func init() {
	registry.Datasets.Register("npz", func() registry.Dataset { return &NPZ{} })
}

var (
	_ registry.Dataset = (*NPZ)(nil)
	_ fileDataset      = (*NPZ)(nil)
)

// SplitsItself reports true: the examples are split as env.Split asks,
// seeded by split_seed.
func (n *NPZ) SplitsItself() bool { return true }

// Validate checks the keys, then reads the arrays.
func (n *NPZ) Validate(r registry.Reporter, env registry.DataEnv) {
	oneOf(r, "task", n.Task, npy.Classification, npy.Regression)
	validColorMode(r, n.ColorMode)
	if n.Normalize != nil {
		n.Normalize.validate(r.Field("normalize"))
	}
	spec := n.spec(env)
	ok := true
	switch {
	case n.Path != "" && (n.XPath != "" || n.YPath != ""):
		r.Field("path").Errorf("and x_path/y_path both give the arrays; keep one")
		ok = false
	case n.Path != "":
		ok = checkFile(r, "path", spec.Path)
	default:
		ok = requiredFile(r, "x_path", spec.XPath)
		ok = requiredFile(r, "y_path", spec.YPath) && ok
	}
	if n.ValPath != "" {
		ok = checkFile(r, "val_path", resolve(env.Dir, n.ValPath)) && ok
		if env.Split.Fraction != 0 {
			r.Field("val_path").Errorf("and validation_split both give validation examples; keep one")
			ok = false
		}
	}
	if !ok {
		return
	}
	key := struct {
		Spec      npy.XYSpec
		Val       string
		Frac      float64
		SplitSeed uint64
	}{spec, resolve(env.Dir, n.ValPath), env.Split.Fraction, n.SplitSeed}
	loaded, err := cached(files, key, func() (*npzLoaded, error) {
		return n.load(env.Ctx(), spec, key.Val, key.Frac, env.Memory)
	}, (*npzLoaded).bytes)
	if err != nil {
		reportErrors(r, map[bool]string{true: "path", false: "x_path"}[n.Path != ""], err)
		return
	}
	n.loaded = loaded
	n.input().check(r, loaded.Info.Shape, "npz")
}

// input is what the model's graph does first to the inputs.
func (n *NPZ) input() imageInput { return imageInput{rgb: n.ColorMode == "rgb", norm: n.Normalize} }

// InputTransform returns color_mode and normalize as the model's graph
// applies them.
func (n *NPZ) InputTransform() (rgb bool, mean, std []float64) { return n.input().InputTransform() }

func (n *NPZ) spec(env registry.DataEnv) npy.XYSpec {
	return npy.XYSpec{Path: resolve(env.Dir, n.Path), X: n.X, Y: n.Y,
		XPath: resolve(env.Dir, n.XPath), YPath: resolve(env.Dir, n.YPath), Task: n.Task}
}

// load reads the arrays, holds out the validation examples (a fraction
// frac of them, or those of valPath) and converts both sides.
func (n *NPZ) load(ctx context.Context, spec npy.XYSpec, valPath string, frac float64, mem registry.MemoryPolicy) (*npzLoaded, error) {
	if err := checkFilesMemory(mem, "npz", "arrays", 1, spec.Path, spec.XPath, spec.YPath, valPath); err != nil {
		return nil, err
	}
	limit := readLimit(mem, 1)
	xy, err := npy.LoadXY(ctx, spec, limit)
	if err != nil {
		return nil, err
	}
	out := &npzLoaded{Classes: xy.Classes, Task: xy.Task, TaskReason: xy.TaskReason, XDType: xy.X.DType}
	files := xy.Files
	all := examples(xy)
	if valPath != "" {
		vs := spec
		vs.Path, vs.XPath, vs.YPath = valPath, "", ""
		vxy, err := npy.LoadXY(ctx, vs, limit)
		if err != nil {
			return nil, err
		}
		if out.Train, out.Val, err = all, examples(vxy), remap(vxy, xy); err != nil {
			return nil, err
		}
		files = append(files, vxy.Files...)
	} else if frac > 0 {
		d := &registry.Data{Train: all}
		if err := (registry.Split{Fraction: frac}).Apply(d, n.SplitSeed); err != nil {
			return nil, fmt.Errorf("%s: %w", xy.Files[0], err)
		}
		out.Train, out.Val = d.Train, d.Val
	} else {
		out.Train = all
	}
	if out.Hash, err = contenthash.Files(ctx, files...); err != nil {
		return nil, err
	}
	out.Info = registry.DataInfo{Shape: all.Shape, Validation: out.Val != nil}
	if xy.Task == npy.Classification {
		out.Info.NumClasses = len(xy.Classes)
	} else {
		out.Info.TargetDim = all.TargetDim()
	}
	return out, nil
}

// bytes is the memory of the examples l holds.
func (l *npzLoaded) bytes() int64 { return l.Train.Bytes() + l.Val.Bytes() }

// examples converts xy: uint8 inputs stay bytes (images, scaled to [0, 1]
// per batch), anything else becomes float32; a 3-D uint8 array (N, H, W)
// gets a channel axis.
func examples(xy *npy.XY) *registry.Examples {
	x := xy.X
	ex := &registry.Examples{N: x.Len(), Shape: append([]int(nil), x.Shape[1:]...), Labels: xy.Labels, Targets: xy.Targets}
	if len(ex.Shape) == 0 {
		ex.Shape = []int{1}
	}
	if x.U8 != nil {
		ex.Pixels = x.U8
		if len(ex.Shape) == 2 {
			ex.Shape = append(ex.Shape, 1)
		}
	} else {
		ex.X = x.Float32()
	}
	return ex
}

// remap renumbers val's labels by train's classes: a class the training
// examples lack is an error.
func remap(val, train *npy.XY) error {
	if train.Task != val.Task {
		return fmt.Errorf("%s: y is a %s, the training y a %s", val.Files[0], val.Task, train.Task)
	}
	if val.Labels == nil {
		return nil
	}
	index := map[int64]int32{}
	for i, c := range train.Classes {
		index[c] = int32(i)
	}
	for i, l := range val.Labels {
		c := val.Classes[l]
		k, ok := index[c]
		if !ok {
			return fmt.Errorf("%s: example %d has class %d, which the training examples lack", val.Files[0], i, c)
		}
		val.Labels[i] = k
	}
	return nil
}

// Info describes the arrays Validate read.
func (n *NPZ) Info() registry.DataInfo {
	if n.loaded == nil {
		return registry.DataInfo{}
	}
	return n.loaded.Info
}

// Load returns the examples Validate read.
func (n *NPZ) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	if n.loaded == nil {
		r := &collect{}
		n.Validate(r, env)
		if err := r.err(); err != nil {
			return nil, err
		}
	}
	l := n.loaded
	d := &registry.Data{DataInfo: l.Info, Name: "npz", Train: l.Train, Val: l.Val}
	limit(d, env.Split, n.SplitSeed)
	return d, nil
}

// DataHash is the hash of the files' contents.
func (n *NPZ) DataHash() string {
	if n.loaded == nil {
		return ""
	}
	return n.loaded.Hash
}

// npzPreprocessing is what an npz run stores: the class values in label
// order and how inputs are scaled.
type npzPreprocessing struct {
	Version    int      `json:"version"`
	Task       string   `json:"task"`
	TaskReason string   `json:"task_reason"`
	Classes    []string `json:"classes,omitempty"`
	XDType     string   `json:"x_dtype"`
	Shape      []int    `json:"shape"`
	Scale      string   `json:"scale"` // "v/255" for uint8 inputs, "none" otherwise
	// ColorMode rgb: the model's graph gives grey inputs three channels.
	ColorMode string `json:"color_mode,omitempty"`
	// Normalize: the model's graph normalises the scaled inputs.
	Normalize *normalizeJSON `json:"normalize,omitempty"`
}

// Preprocessing returns the classes and input scaling as JSON.
func (n *NPZ) Preprocessing() ([]byte, error) {
	l := n.loaded
	if l == nil {
		return nil, fmt.Errorf("npz: the data was not read")
	}
	p := npzPreprocessing{Version: 1, Task: l.Task, TaskReason: l.TaskReason, XDType: l.XDType, Shape: l.Info.Shape, Scale: "none",
		ColorMode: n.ColorMode, Normalize: n.input().preprocessing()}
	if l.Train.Pixels != nil {
		p.Scale = "v/255"
	}
	for _, c := range l.Classes {
		p.Classes = append(p.Classes, strconv.FormatInt(c, 10))
	}
	return json.Marshal(p)
}

// Summary describes the arrays for exp validate.
func (n *NPZ) Summary() []string {
	l := n.loaded
	if l == nil {
		return nil
	}
	src := n.Path
	if src == "" {
		src = n.XPath + ", " + n.YPath
	}
	valN := 0
	if l.Val != nil {
		valN = l.Val.N
	}
	out := []string{
		fmt.Sprintf("Data: npz %s: %s", src, examplesLine(l.Train.N, valN)),
		fmt.Sprintf("  inputs: %v %s per example", l.Info.Shape, l.XDType),
		fmt.Sprintf("  task: %s (%s)", l.Task, l.TaskReason),
	}
	if l.Task == npy.Classification {
		names := make([]string, len(l.Classes))
		for i, c := range l.Classes {
			names[i] = strconv.FormatInt(c, 10)
		}
		out = append(out, classLines(names, l.Train.Labels)...)
	}
	return out
}

// collect is a registry.Reporter that keeps the messages, for Load called
// without Validate.
type collect struct{ msgs *[]string }

func (c *collect) list() *[]string {
	if c.msgs == nil {
		c.msgs = new([]string)
	}
	return c.msgs
}
func (c *collect) Field(string) registry.Reporter { return &collect{msgs: c.list()} }
func (c *collect) Index(int) registry.Reporter    { return &collect{msgs: c.list()} }
func (c *collect) Has(string) bool                { return false }
func (c *collect) Errorf(format string, args ...any) {
	l := c.list()
	*l = append(*l, fmt.Sprintf(format, args...))
}
func (c *collect) err() error {
	if c.msgs == nil || len(*c.msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(*c.msgs, "\n"))
}
