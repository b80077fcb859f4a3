package datasets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/tabular"
	"github.com/exp-runner/exp/registry"
)

// CSV is the `dataset: csv` configuration: a table with a header row, one
// column of which is predicted from the others.
type CSV struct {
	Path      string   `yaml:"path"`                // the training rows (.csv or .csv.gz)
	Target    string   `yaml:"target"`              // the column to predict
	Features  []string `yaml:"features,omitempty"`  // the input columns (default: all but the target)
	Task      string   `yaml:"task,omitempty"`      // classification or regression (default: inferred)
	Delimiter string   `yaml:"delimiter,omitempty"` // one character (default ",")
	ValPath   string   `yaml:"val_path,omitempty"`  // a second file of validation rows
	Normalize string   `yaml:"normalize,omitempty"` // standard (default), minmax or none
	Missing   string   `yaml:"missing,omitempty"`   // error (default), mean or drop
	Unknown   string   `yaml:"unknown,omitempty"`   // error (default) or ignore: an unseen category
	SplitSeed uint64   `yaml:"split_seed,omitempty"`
	// Text, when set, names the columns of free text and how they become
	// token ids (see CSVText).
	Text *CSVText `yaml:"text,omitempty"`

	loaded *tabular.Loaded
}

func init() {
	registry.Datasets.Register("csv", func() registry.Dataset { return &CSV{} })
}

var (
	_ registry.Dataset = (*CSV)(nil)
	_ fileDataset      = (*CSV)(nil)
)

// SplitsItself reports true: the rows are split as env.Split asks, seeded
// by split_seed.
func (c *CSV) SplitsItself() bool { return true }

// Validate checks the keys, then reads the files (resolved against
// env.Dir) and fits the preprocessing, reporting every problem in them.
func (c *CSV) Validate(r registry.Reporter, env registry.DataEnv) {
	oneOf(r, "task", c.Task, "classification", "regression")
	oneOf(r, "normalize", c.Normalize, tabular.NormalizeStandard, tabular.NormalizeMinMax, tabular.NormalizeNone)
	oneOf(r, "missing", c.Missing, tabular.MissingError, tabular.MissingMean, tabular.MissingDrop)
	oneOf(r, "unknown", c.Unknown, tabular.UnknownError, tabular.UnknownIgnore)
	delim, ok := c.delimiter()
	if !ok {
		r.Field("delimiter").Errorf("must be one character, got %q", c.Delimiter)
	}
	if c.Target == "" {
		r.Field("target").Errorf("is required: the column to predict")
	}
	textOK := c.Text == nil || c.Text.validate(r.Field("text"), c.Target, c.Features)
	spec := c.spec(env, delim)
	spec.Read.MaxBytes = readLimit(env.Memory, 2)
	filesOK := requiredFile(r, "path", spec.Path)
	if c.ValPath != "" {
		filesOK = checkFile(r, "val_path", spec.ValPath) && filesOK
		if env.Split.Fraction != 0 {
			r.Field("val_path").Errorf("and validation_split both give validation rows; keep one")
		}
	}
	if !filesOK || !ok || c.Target == "" || !textOK {
		return
	}
	loaded, err := cached(files, spec, func() (*tabular.Loaded, error) {
		if err := checkFilesMemory(env.Memory, "csv", "columns of numbers (about twice the text)", 2, spec.Path, spec.ValPath); err != nil {
			return nil, err
		}
		return tabular.Load(env.Ctx(), spec)
	}, tableBytes)
	if err != nil {
		reportErrors(r, "path", err)
		return
	}
	c.loaded = loaded
}

func (c *CSV) delimiter() (byte, bool) {
	switch d := c.Delimiter; {
	case d == "":
		return ',', true
	case d == `\t`:
		return '\t', true
	case len(d) == 1:
		return d[0], true
	}
	return 0, false
}

func (c *CSV) spec(env registry.DataEnv, delim byte) tabular.Spec {
	return tabular.Spec{
		Path: resolve(env.Dir, c.Path), ValPath: resolve(env.Dir, c.ValPath),
		Read: tabular.ReadOptions{Delimiter: delim},
		Fit: tabular.FitOptions{Target: c.Target, Features: c.Features, Task: tabular.Task(c.Task),
			Normalize: c.Normalize, Missing: c.Missing, Unknown: c.Unknown, Text: c.fitText()},
		ValidationSplit: env.Split.Fraction, SplitSeed: c.SplitSeed,
		TextMemory: c.textMemory(env.Memory),
	}
}

// Info describes the rows as Validate found them: one input per numeric
// feature and per category, and the classes or one regression target. With
// text columns, each is an input of token ids named after it, and the other
// features one input named "features" (when there are any).
func (c *CSV) Info() registry.DataInfo {
	if c.loaded == nil {
		return registry.DataInfo{}
	}
	p := c.loaded.Pre
	info := registry.DataInfo{Shape: []int{p.Width()}, Validation: c.loaded.Val != nil}
	if ins := p.Inputs(); ins != nil {
		info.Shape, info.Inputs = nil, ins
	}
	if p.Task == tabular.Classification {
		info.NumClasses = len(p.Classes)
	} else {
		info.TargetDim = 1
	}
	return info
}

// Load returns the rows Validate read, split and preprocessed.
func (c *CSV) Load(ctx context.Context, env registry.DataEnv) (*registry.Data, error) {
	if c.loaded == nil {
		delim, _ := c.delimiter()
		spec := c.spec(env, delim)
		loaded, err := cached(files, spec, func() (*tabular.Loaded, error) { return tabular.Load(ctx, spec) }, tableBytes)
		if err != nil {
			return nil, err
		}
		c.loaded = loaded
	}
	d := &registry.Data{DataInfo: c.Info(), Name: "csv", Train: c.loaded.Train.Split()}
	if c.loaded.Val != nil {
		d.Val = c.loaded.Val.Split()
	}
	limit(d, env.Split, c.SplitSeed)
	return d, nil
}

// DataHash is the hash of the files' contents.
func (c *CSV) DataHash() string {
	if c.loaded == nil {
		return ""
	}
	return c.loaded.Hash
}

// Preprocessing returns the fitted preprocessing as JSON.
func (c *CSV) Preprocessing() ([]byte, error) {
	if c.loaded == nil {
		return nil, fmt.Errorf("csv: the data was not read")
	}
	return c.loaded.Pre.MarshalJSON()
}

// Summary describes the data for exp validate.
func (c *CSV) Summary() []string {
	if c.loaded == nil {
		return nil
	}
	l, p := c.loaded, c.loaded.Pre
	out := []string{fmt.Sprintf("Data: csv %s: %s", c.Path, examplesLine(l.Train.N(), valN(l)))}
	if l.Dropped > 0 {
		out = append(out, fmt.Sprintf("  %d row(s) with missing values left out (missing: drop)", l.Dropped))
	}
	names := make([]string, len(p.Features))
	for i, f := range p.Features {
		names[i] = f.Name
		if f.Kind == tabular.Categorical {
			names[i] += fmt.Sprintf(" (%d categories)", len(f.Categories))
		}
	}
	if len(p.Features) > 0 || len(p.Text) == 0 {
		out = append(out, fmt.Sprintf("  features (%d, %d inputs): %s", len(p.Features), p.Width(), strings.Join(names, ", ")))
	}
	out = append(out, textSummary(l)...)
	out = append(out, fmt.Sprintf("  task: %s of %q (%s)", p.Task, p.Target, p.TaskReason))
	if p.Task == tabular.Classification {
		out = append(out, classLines(p.Classes, l.Train.Labels)...)
	}
	return out
}

// tableBytes is the memory of the rows l holds: their values, labels or
// targets, and line numbers.
func tableBytes(l *tabular.Loaded) int64 {
	n := l.Train.Split().Bytes() + 4*int64(len(l.Train.Lines))
	if l.Val != nil {
		n += l.Val.Split().Bytes() + 4*int64(len(l.Val.Lines))
	}
	return n
}

func valN(l *tabular.Loaded) int {
	if l.Val == nil {
		return 0
	}
	return l.Val.N()
}

// examplesLine reads "120 training, 30 validation examples".
func examplesLine(train, val int) string {
	return fmt.Sprintf("%d training, %d validation examples", train, val)
}

// classLines lists each class with its count among labels.
func classLines(classes []string, labels []int32) []string {
	counts := make([]int, len(classes))
	for _, l := range labels {
		counts[l]++
	}
	parts := make([]string, len(classes))
	for i, c := range classes {
		parts[i] = fmt.Sprintf("%s (%d)", c, counts[i])
	}
	return []string{fmt.Sprintf("  classes (%d, training counts): %s", len(classes), strings.Join(parts, ", "))}
}

// oneOf reports at key a value that is not empty and not one of allowed.
func oneOf(r registry.Reporter, key, v string, allowed ...string) {
	if v != "" && !slices.Contains(allowed, v) {
		r.Field(key).Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

// requiredFile reports a missing key or a missing file.
func requiredFile(r registry.Reporter, key, path string) bool {
	if path == "" {
		r.Field(key).Errorf("is required")
		return false
	}
	return checkFile(r, key, path)
}
