package tabular

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/exp-runner/exp/registry"
)

// Dataset is a table turned into model inputs by a Preprocessing.
type Dataset struct {
	Path    string
	Width   int       // inputs per row
	X       []float32 // N × Width, row-major
	Labels  []int32   // classification with targets: N class indices into Classes
	Targets []float32 // regression with targets: N values, never normalized
	Lines   []int32   // each row's physical line in Path, for errors and predictions
	Text    []TextIDs // the text columns' token ids, in the Preprocessing's order
}

// N is the number of rows.
func (d *Dataset) N() int { return len(d.Lines) }

// Split returns the rows as registry.Examples, sharing d's memory: of
// per-example shape [Width], or with text columns as the inputs
// Preprocessing.Inputs describes.
func (d *Dataset) Split() *registry.Examples {
	if len(d.Text) > 0 {
		return &registry.Examples{N: d.N(), Inputs: d.textInputs(), Labels: d.Labels, Targets: d.Targets}
	}
	return &registry.Examples{N: d.N(), Shape: []int{d.Width}, X: d.X, Labels: d.Labels, Targets: d.Targets}
}

// Width is the number of model inputs per row: one per numeric feature, one
// per category of a categorical one.
func (p *Preprocessing) Width() int {
	w := 0
	for _, f := range p.Features {
		w += f.width()
	}
	return w
}

// width is the number of model inputs f becomes.
func (f *Feature) width() int {
	if f.Kind == Categorical {
		return len(f.Categories)
	}
	return 1
}

// InputNames names each model input: the feature's name, or NAME=CATEGORY
// for a one-hot input.
func (p *Preprocessing) InputNames() []string {
	var names []string
	for _, f := range p.Features {
		if f.Kind != Categorical {
			names = append(names, f.Name)
			continue
		}
		for _, c := range f.Categories {
			names = append(names, f.Name+"="+c)
		}
	}
	return names
}

// scale returns the center and scale that normalize f: x' = (x - c) / s.
func (p *Preprocessing) scale(f *Feature) (c, s float64) {
	switch p.Normalize {
	case NormalizeStandard:
		c, s = f.Mean, f.Std
	case NormalizeMinMax:
		c, s = f.Min, f.Max-f.Min
	default:
		return 0, 1
	}
	if s == 0 || math.IsNaN(s) {
		s = 1 // a constant column: centred to zero, not divided by zero
	}
	return c, s
}

// Apply turns table t into model inputs. Columns are found by name, in any
// order; other columns are ignored. With withTarget the target column must
// be there and becomes labels or targets; without, it is ignored. Rows with
// missing values are dropped under missing: drop (their lines are absent
// from the result). All problems found are reported together.
func (p *Preprocessing) Apply(t *Table, withTarget bool) (*Dataset, error) {
	cols, target, err := p.columns(t, withTarget)
	if err != nil {
		return nil, err
	}
	if p.Missing == MissingDrop {
		names := make([]string, 0, len(cols)+1)
		for _, c := range cols {
			names = append(names, c.Name)
		}
		if withTarget {
			names = append(names, p.Target)
		}
		if t, _, err = t.DropMissing(names); err != nil {
			return nil, err
		}
		if cols, target, err = p.columns(t, withTarget); err != nil {
			return nil, err
		}
	}
	d := &Dataset{Path: t.Path, Width: p.Width(), Lines: t.Lines}
	d.X = makeFloat32s(t.N() * d.Width)
	errs := &Errors{}
	offs := make([]int, len(p.Features))
	for k := 1; k < len(offs); k++ {
		offs[k] = offs[k-1] + p.Features[k-1].width()
	}
	featErrs := make([]Errors, len(p.Features))
	parallel(len(p.Features), func(k int) { p.applyFeature(t, cols[k], &p.Features[k], d, offs[k], &featErrs[k]) })
	for k := range featErrs {
		errs.Merge(&featErrs[k])
	}
	p.applyText(t, d, errs)
	if withTarget {
		p.applyTarget(t, target, d, errs)
	}
	return d, errs.Err()
}

// columns finds the features' and (withTarget) the target's columns in t.
func (p *Preprocessing) columns(t *Table, withTarget bool) ([]*Column, *Column, error) {
	errs := &Errors{}
	cols := make([]*Column, len(p.Features))
	for k, f := range p.Features {
		c, err := t.Column(f.Name)
		if err != nil {
			errs.Add(fmt.Errorf("feature %q is missing: %w", f.Name, err))
		}
		cols[k] = c
	}
	var target *Column
	if withTarget {
		c, err := t.Column(p.Target)
		if err != nil {
			errs.Add(fmt.Errorf("target %q is missing: %w", p.Target, err))
		}
		target = c
	}
	return cols, target, errs.Err()
}

// applyFeature writes feature f from column c into d at input offset off.
func (p *Preprocessing) applyFeature(t *Table, c *Column, f *Feature, d *Dataset, off int, errs *Errors) {
	w := d.Width
	if f.Kind == Categorical {
		p.applyCategorical(t, c, f, d, off, errs)
		return
	}
	center, s := p.scale(f)
	fill := float32((f.Mean - center) / s)
	for i, v := range c.Num {
		switch {
		case !math.IsNaN(v):
			d.X[i*w+off] = float32((v - center) / s)
		case c.NotNumber(i):
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
				Msg: fmt.Sprintf("%q is not a number", c.Value(i))})
		case p.Missing == MissingMean:
			d.X[i*w+off] = fill
		default:
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
				Msg: "missing value (set missing: mean or drop)"})
		}
	}
}

// applyCategorical one-hot encodes column c into d.
func (p *Preprocessing) applyCategorical(t *Table, c *Column, f *Feature, d *Dataset, off int, errs *Errors) {
	index := make(map[string]int, len(f.Categories))
	for k, name := range f.Categories {
		index[name] = k
	}
	w := d.Width
	for i := range t.N() {
		if c.Missing(i) {
			if p.Missing != MissingMean {
				errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
					Msg: "missing value (set missing: mean or drop)"})
			}
			continue // all zeros
		}
		v := c.Value(i)
		k, ok := index[v]
		if !ok {
			if p.Unknown != UnknownIgnore {
				errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
					Msg: fmt.Sprintf("category %q was not seen in training (known: %s; unknown: ignore encodes it as all zeros)",
						v, quoteList(f.Categories, 10))})
			}
			continue
		}
		d.X[i*w+off+k] = 1
	}
}

// applyTarget writes the labels or targets of column c into d.
func (p *Preprocessing) applyTarget(t *Table, c *Column, d *Dataset, errs *Errors) {
	missing := func(i int) {
		errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
			Msg: "missing target (set missing: drop to leave such rows out)"})
	}
	if p.Task == Regression {
		d.Targets = make([]float32, t.N())
		for i, v := range c.Num {
			switch {
			case !math.IsNaN(v):
				d.Targets[i] = float32(v)
			case c.NotNumber(i):
				errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
					Msg: fmt.Sprintf("%q is not a number", c.Value(i))})
			default:
				missing(i)
			}
		}
		return
	}
	index := make(map[string]int32, len(p.Classes))
	for k, name := range p.Classes {
		index[name] = int32(k)
	}
	d.Labels = make([]int32, t.N())
	for i := range t.N() {
		if c.Missing(i) {
			missing(i)
			continue
		}
		k, ok := index[c.Value(i)]
		if !ok {
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
				Msg: fmt.Sprintf("class %q was not seen in training (classes: %s)", c.Value(i), quoteList(p.Classes, 10))})
		}
		d.Labels[i] = k
	}
}

// MarshalJSON is the stored form, indented for people to read.
func (p *Preprocessing) MarshalJSON() ([]byte, error) {
	type plain Preprocessing
	return json.MarshalIndent((*plain)(p), "", "  ")
}

// ParsePreprocessing reads a stored Preprocessing and checks that it can be
// applied. Its errors do not name where b came from: callers do.
func ParsePreprocessing(b []byte) (*Preprocessing, error) {
	if len(b) == 0 {
		return nil, errors.New("empty: no preprocessing was stored")
	}
	p := &Preprocessing{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if p.Version != PreprocessingVersion && p.Version != PreprocessingTextVersion {
		return nil, fmt.Errorf("version %d, this exp reads versions %d and %d", p.Version, PreprocessingVersion, PreprocessingTextVersion)
	}
	if (p.Version == PreprocessingTextVersion) != (len(p.Text) > 0) {
		return nil, fmt.Errorf("version %d with %d text columns", p.Version, len(p.Text))
	}
	for _, c := range p.Text {
		if c.Name == "" || c.Vocabulary == nil {
			return nil, fmt.Errorf("a text column without a name or vocabulary")
		}
	}
	if err := p.checkPolicies(); err != nil {
		return nil, err
	}
	if p.Task != Classification && p.Task != Regression {
		return nil, fmt.Errorf("task %q is neither classification nor regression", p.Task)
	}
	if p.Task == Classification && len(p.Classes) < 2 {
		return nil, fmt.Errorf("a classification with %d classes", len(p.Classes))
	}
	for _, f := range p.Features {
		if f.Kind != Numeric && f.Kind != Categorical {
			return nil, fmt.Errorf("feature %q has kind %q", f.Name, f.Kind)
		}
		if f.Kind == Categorical && !slices.IsSorted(f.Categories) {
			return nil, fmt.Errorf("feature %q: categories not sorted", f.Name)
		}
	}
	if (len(p.Features) == 0 && len(p.Text) == 0) || p.Target == "" {
		return nil, fmt.Errorf("no features or no target")
	}
	return p, nil
}
