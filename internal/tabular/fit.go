package tabular

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
)

// Task is what a model predicts from a table.
type Task string

// The tasks.
const (
	Classification Task = "classification" // a class per row
	Regression     Task = "regression"     // a number per row
)

// Policies for normalization, missing values and unseen categories.
const (
	NormalizeStandard = "standard" // (x - mean) / std
	NormalizeMinMax   = "minmax"   // (x - min) / (max - min)
	NormalizeNone     = "none"
	MissingError      = "error" // a missing value is an error
	MissingMean       = "mean"  // numeric: the training mean; categorical: all zeros
	MissingDrop       = "drop"  // rows with a missing value are left out
	UnknownError      = "error" // an unseen category is an error
	UnknownIgnore     = "ignore"
)

// MaxClassIntegers is the most distinct integers a target may hold and still
// be inferred to be classes.
const MaxClassIntegers = 50

// FitOptions configures Fit; zero values are the defaults.
type FitOptions struct {
	Target    string   // the column to predict (required)
	Features  []string // the input columns; nil: every column but the target
	Task      Task     // "": inferred from the target
	Normalize string   // "" or standard, minmax, none
	Missing   string   // "" or error, mean, drop
	Unknown   string   // "" or error, ignore
	// Text, when set, names the free-text columns (not features, exempt
	// from Missing and Unknown) and how they become token ids.
	Text *TextOptions `json:",omitempty"`
}

// Preprocessing is everything learnt from the training rows that turns a
// table into model inputs; it is stored with a run as JSON and applied
// unchanged to validation and prediction data.
type Preprocessing struct {
	Version    int       `json:"version"` // PreprocessingVersion
	Target     string    `json:"target"`
	Task       Task      `json:"task"`
	TaskReason string    `json:"task_reason"`       // why: inferred from what, or "set in the config"
	Classes    []string  `json:"classes,omitempty"` // class names sorted as strings; label i is Classes[i]
	Features   []Feature `json:"features"`
	Normalize  string    `json:"normalize"`
	Missing    string    `json:"missing"`
	Unknown    string    `json:"unknown"`
	// Text lists the free-text columns with their vocabularies (version
	// PreprocessingTextVersion).
	Text []TextColumn `json:"text,omitempty"`
}

// PreprocessingVersion is the version of the Preprocessing JSON written for
// a table without text columns.
const PreprocessingVersion = 1

// PreprocessingTextVersion is the version written for a table with text
// columns, which an exp that reads only PreprocessingVersion refuses.
const PreprocessingTextVersion = 2

// Feature is one input column and how it becomes model inputs: a numeric
// column one input, normalized with the training rows' statistics; a
// categorical column one input per training category (one-hot).
type Feature struct {
	Name       string   `json:"name"`
	Kind       string   `json:"kind"` // "numeric" or "categorical"
	Mean       float64  `json:"mean"` // numeric: over the training rows with a value
	Std        float64  `json:"std"`  // population standard deviation
	Min        float64  `json:"min"`
	Max        float64  `json:"max"`
	Categories []string `json:"categories,omitempty"` // categorical: sorted as strings
}

// The feature kinds.
const (
	Numeric     = "numeric"
	Categorical = "categorical"
)

// Fit learns the preprocessing from training rows t. All problems found are
// reported together.
func Fit(t *Table, opt FitOptions) (*Preprocessing, error) {
	p := &Preprocessing{Version: PreprocessingVersion, Target: opt.Target,
		Normalize: orDefault(opt.Normalize, NormalizeStandard),
		Missing:   orDefault(opt.Missing, MissingError),
		Unknown:   orDefault(opt.Unknown, UnknownError)}
	if err := p.checkPolicies(); err != nil {
		return nil, err
	}
	target, features, err := resolveColumns(t, opt)
	if err != nil {
		return nil, err
	}
	if p.Missing == MissingDrop {
		if t, _, err = t.DropMissing(missingNames(t, opt)); err != nil {
			return nil, err
		}
		target, features, _ = resolveColumns(t, opt) // the same names resolve again
	}
	if t.N() == 0 {
		return nil, &CellError{Path: t.Path, Msg: "no rows left once rows with missing values are dropped"}
	}
	errs := &Errors{}
	p.fitTarget(t, target, opt.Task, errs)
	p.Features = make([]Feature, len(features))
	featErrs := make([]Errors, len(features))
	parallel(len(features), func(k int) { p.Features[k] = p.fitFeature(t, features[k], &featErrs[k]) })
	for k := range featErrs {
		errs.Merge(&featErrs[k])
	}
	if err := errs.Err(); err != nil {
		return p, err
	}
	return p, p.fitText(t, opt)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkPolicies rejects unknown policy names.
func (p *Preprocessing) checkPolicies() error {
	check := func(key, v string, allowed ...string) error {
		if slices.Contains(allowed, v) {
			return nil
		}
		return fmt.Errorf("%s: %q is not one of %s", key, v, quoteList(allowed, 10))
	}
	for _, err := range []error{
		check("normalize", p.Normalize, NormalizeStandard, NormalizeMinMax, NormalizeNone),
		check("missing", p.Missing, MissingError, MissingMean, MissingDrop),
		check("unknown", p.Unknown, UnknownError, UnknownIgnore),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveColumns finds the target and feature columns, reporting every
// missing one with a suggestion.
func resolveColumns(t *Table, opt FitOptions) (target *Column, features []*Column, err error) {
	errs := &Errors{}
	if opt.Target == "" {
		return nil, nil, fmt.Errorf("%s: no target column given", t.Path)
	}
	target, err = t.Column(opt.Target)
	if err != nil {
		errs.Add(fmt.Errorf("target: %w", err))
	}
	if opt.Features == nil {
		for _, c := range t.Columns {
			if c.Name != opt.Target && !opt.isText(c.Name) {
				features = append(features, c)
			}
		}
	}
	checkText(t, opt, errs)
	seen := map[string]bool{}
	for _, name := range opt.Features {
		switch c, err := t.Column(name); {
		case name == opt.Target:
			errs.Add(&CellError{Path: t.Path, Msg: fmt.Sprintf("features: %q is the target", name)})
		case seen[name]:
			errs.Add(&CellError{Path: t.Path, Msg: fmt.Sprintf("features: %q is listed twice", name)})
		case err != nil:
			errs.Add(fmt.Errorf("features: %w", err))
		default:
			features = append(features, c)
		}
		seen[name] = true
	}
	if len(features) == 0 && errs.Len() == 0 && opt.Text == nil {
		errs.Add(&CellError{Path: t.Path, Msg: "no feature columns: the file has only the target"})
	}
	return target, features, errs.Err()
}

// fitTarget decides the task and, for classification, the classes.
func (p *Preprocessing) fitTarget(t *Table, c *Column, task Task, errs *Errors) {
	p.Task, p.TaskReason = inferTask(t, c)
	if task != "" {
		if task != Classification && task != Regression {
			errs.Add(fmt.Errorf("task: %q is not one of \"classification\", \"regression\"", task))
			return
		}
		p.Task, p.TaskReason = task, "set in the config"
	}
	p.checkMissing(t, c, true, errs)
	if p.Task == Regression {
		notNumbers(t, c, errs)
		return
	}
	seen := map[string]bool{}
	for i := range t.N() {
		if !c.Missing(i) {
			seen[c.Value(i)] = true
		}
	}
	for name := range seen {
		p.Classes = append(p.Classes, name)
	}
	slices.Sort(p.Classes)
	if len(p.Classes) < 2 {
		errs.Add(&CellError{Path: t.Path, Column: c.Name,
			Msg: fmt.Sprintf("classification needs at least 2 classes; the target has %d (%s)", len(p.Classes), quoteList(p.Classes, 1))})
	}
}

// inferTask applies the rule: any text, or only integers with at most
// MaxClassIntegers distinct values, is a classification; anything else a
// regression. The reason says which case applied, naming the file by its
// base name: it is stored with the run and in exported model folders,
// which hold no paths of the machine that trained them.
func inferTask(t *Table, c *Column) (Task, string) {
	for i := range t.N() {
		if c.NotNumber(i) {
			return Classification, fmt.Sprintf("inferred: column %q has non-numeric values, e.g. %q at %s:%d",
				c.Name, c.Value(i), filepath.Base(t.Path), t.Lines[i])
		}
	}
	distinct := map[float64]bool{}
	for i, v := range c.Num {
		if math.IsNaN(v) {
			continue
		}
		if v != math.Trunc(v) {
			return Regression, fmt.Sprintf("inferred: column %q has non-integer values, e.g. %s at %s:%d",
				c.Name, strconv.FormatFloat(v, 'g', -1, 64), filepath.Base(t.Path), t.Lines[i])
		}
		distinct[v] = true
		if len(distinct) > MaxClassIntegers {
			return Regression, fmt.Sprintf("inferred: column %q has more than %d distinct integers", c.Name, MaxClassIntegers)
		}
	}
	return Classification, fmt.Sprintf("inferred: column %q holds only integers, %d distinct (at most %d)",
		c.Name, len(distinct), MaxClassIntegers)
}

// checkMissing reports the missing cells of c unless the policy fills them
// (never for the target: a label or target cannot be made up).
func (p *Preprocessing) checkMissing(t *Table, c *Column, isTarget bool, errs *Errors) {
	if p.Missing == MissingDrop || (p.Missing == MissingMean && !isTarget) {
		return
	}
	msg := "missing value (set missing: mean or drop)"
	if isTarget {
		msg = "missing target (set missing: drop to leave such rows out)"
	}
	for i := range t.N() {
		if c.Missing(i) {
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name, Msg: msg})
		}
	}
}

// notNumbers reports every cell of c that is text, not a number.
func notNumbers(t *Table, c *Column, errs *Errors) {
	for i := range t.N() {
		if c.NotNumber(i) {
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
				Msg: fmt.Sprintf("%q is not a number", c.Value(i))})
		}
	}
}

// fitFeature learns how column c becomes inputs.
func (p *Preprocessing) fitFeature(t *Table, c *Column, errs *Errors) Feature {
	f := Feature{Name: c.Name, Kind: Numeric}
	p.checkMissing(t, c, false, errs)
	if !c.LooksNumeric() {
		f.Kind = Categorical
		seen := map[string]bool{}
		for i := range t.N() {
			if !c.Missing(i) {
				seen[c.Value(i)] = true
			}
		}
		for v := range seen {
			f.Categories = append(f.Categories, v)
		}
		slices.Sort(f.Categories)
		if len(f.Categories) == 0 {
			errs.Add(&CellError{Path: t.Path, Column: c.Name, Msg: "the column has no values"})
		}
		return f
	}
	notNumbers(t, c, errs)
	var sum, sq float64
	n := 0
	f.Min, f.Max = math.Inf(1), math.Inf(-1)
	for _, v := range c.Num {
		if !math.IsNaN(v) {
			sum += v
			n++
			f.Min, f.Max = min(f.Min, v), max(f.Max, v)
		}
	}
	if n == 0 {
		errs.Add(&CellError{Path: t.Path, Column: c.Name, Msg: "the column has no values"})
		f.Min, f.Max = 0, 0
		return f
	}
	f.Mean = sum / float64(n)
	for _, v := range c.Num {
		if !math.IsNaN(v) {
			sq += (v - f.Mean) * (v - f.Mean)
		}
	}
	f.Std = math.Sqrt(sq / float64(n))
	return f
}
