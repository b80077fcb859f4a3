package tabular

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/exp-runner/exp/internal/contenthash"
	"github.com/exp-runner/exp/internal/data"
)

// Spec is a `dataset: csv` configuration.
type Spec struct {
	Path            string // training rows (and validation rows, with ValidationSplit)
	ValPath         string // optional: the validation rows, same columns
	Read            ReadOptions
	Fit             FitOptions
	ValidationSplit float64 // with no ValPath: the fraction held out, stratified for classification
	SplitSeed       uint64
	// TextMemory, when set, is asked before the text columns (Fit.Text) of
	// rows rows are turned into token ids whether need bytes of them fit;
	// its error stops the load.
	TextMemory func(rows int, need int64) error `json:"-"`
}

// Loaded is a csv dataset ready for training.
type Loaded struct {
	Pre     *Preprocessing
	Train   *Dataset
	Val     *Dataset // nil without ValPath or ValidationSplit
	Dropped int      // rows left out for missing values (missing: drop), both files
	Hash    string   // contenthash.Files of Path and ValPath: the data's identity
	// Text describes each text column's cells (Fit.Text), for exp validate.
	Text []TextStats
}

// Load reads spec's files, holds out the validation rows, fits the
// preprocessing on the training rows alone and applies it to both. Reading
// stops with ctx's error once ctx is done.
func Load(ctx context.Context, spec Spec) (*Loaded, error) {
	paths := []string{spec.Path}
	if spec.ValPath != "" {
		paths = append(paths, spec.ValPath)
		if spec.ValidationSplit != 0 {
			return nil, fmt.Errorf("validation_split and val_path both give validation rows; keep one")
		}
	}
	hash, err := contenthash.Files(ctx, paths...)
	if err != nil {
		return nil, err
	}
	tables := make([]*Table, len(paths))
	errs := make([]error, len(paths))
	read := spec.Read
	if spec.Fit.Text != nil {
		read.Raw = spec.Fit.Text.Columns
	}
	for i, p := range paths {
		tables[i], errs[i] = ReadFile(ctx, p, read)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := &Loaded{Hash: hash}
	train, val := tables[0], (*Table)(nil)
	if len(tables) > 1 {
		val = tables[1]
	}
	if err := checkTextMemory(spec, tables); err != nil {
		return nil, err
	}
	if spec.Fit.Missing == MissingDrop {
		if train, val, out.Dropped, err = dropMissing(train, val, spec.Fit); err != nil {
			return nil, err
		}
	}
	if val == nil && spec.ValidationSplit != 0 {
		if train, val, err = holdOut(train, spec); err != nil {
			return nil, err
		}
	}
	if err := out.fitApply(train, val, spec.Fit); err != nil {
		return nil, err
	}
	out.Text = out.Pre.textStats(train, val)
	return out, nil
}

// fitApply fits the preprocessing on train and applies it to train and
// val, reporting the problems of both at once, in line order: the cells of
// the validation rows too when fitting found only problems in cells.
func (out *Loaded) fitApply(train, val *Table, opt FitOptions) error {
	pre, err := Fit(train, opt)
	if err != nil && !cellsOnly(err) {
		return err
	}
	var found []error
	if err == nil {
		out.Train, err = pre.Apply(train, true)
	}
	found = append(found, err)
	if val != nil {
		out.Val, err = pre.Apply(val, true)
		found = append(found, err)
	}
	if errs := inLineOrder(found...); errs != nil {
		return errs
	}
	out.Pre = pre
	return nil
}

// inLineOrder merges the problems of errs (each nil, an *Errors, or one
// error) in file, then line order, keeping the first MaxErrors of those
// listed; nil when there are none.
func inLineOrder(errs ...error) error {
	var all []error
	total := 0
	for _, err := range errs {
		switch e := err.(type) {
		case nil:
		case *Errors:
			all = append(all, e.List...)
			total += e.Len()
		default:
			all = append(all, e)
			total++
		}
	}
	if total == 0 {
		return nil
	}
	sortByLine(all)
	out := &Errors{}
	for _, e := range all {
		out.Add(e)
	}
	out.More = total - len(out.List)
	return out
}

// cellsOnly reports whether err is an *Errors of problems in cells (a
// line each): the preprocessing was fitted, and can be applied to other
// rows to find their problems too.
func cellsOnly(err error) bool {
	errs, ok := err.(*Errors)
	if !ok {
		return false
	}
	for _, e := range errs.List {
		if ce, ok := e.(*CellError); !ok || ce.Line == 0 {
			return false
		}
	}
	return true
}

// sortByLine orders errs' cell problems by file, then line (stable: a
// line's problems keep their order).
func sortByLine(errs []error) {
	files := map[string]int{} // in order of first appearance
	for _, e := range errs {
		if ce, ok := e.(*CellError); ok {
			if _, seen := files[ce.Path]; !seen {
				files[ce.Path] = len(files)
			}
		}
	}
	key := func(e error) (int, int) {
		if ce, ok := e.(*CellError); ok {
			return files[ce.Path], ce.Line
		}
		return -1, 0
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		fa, la := key(a)
		fb, lb := key(b)
		if fa != fb {
			return fa - fb
		}
		return la - lb
	})
}

// dropMissing leaves out the rows of both tables that miss a value in the
// target or a feature.
func dropMissing(train, val *Table, opt FitOptions) (*Table, *Table, int, error) {
	names := missingNames(train, opt)
	train, n, err := train.DropMissing(names)
	if err != nil || val == nil {
		return train, val, n, err
	}
	val, m, err := val.DropMissing(names)
	return train, val, n + m, err
}

// holdOut splits t by spec's validation split, stratified by the target's
// classes for a classification.
func holdOut(t *Table, spec Spec) (train, val *Table, err error) {
	c, err := t.Column(spec.Fit.Target)
	if err != nil {
		return nil, nil, fmt.Errorf("target: %w", err)
	}
	task := spec.Fit.Task
	if task == "" {
		task, _ = inferTask(t, c)
	}
	var labels []int32
	var classes []string
	if task == Classification {
		if labels, classes, err = classLabels(t, c); err != nil {
			return nil, nil, err
		}
	}
	tr, va, err := data.SplitIndices(t.N(), labels, spec.ValidationSplit, spec.SplitSeed)
	var sizeErr *data.ClassSizeError
	if errors.As(err, &sizeErr) {
		return nil, nil, &CellError{Path: t.Path, Column: c.Name, Msg: fmt.Sprintf(
			"class %q has %d example(s); validation_split needs at least 2 of every class, one on each side",
			classes[sizeErr.Class], sizeErr.Count)}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", t.Path, err)
	}
	return t.Subset(tr), t.Subset(va), nil
}

// classLabels numbers each row's class by the classes' string order; a
// missing target is an error (rows with one are dropped earlier under
// missing: drop).
func classLabels(t *Table, c *Column) ([]int32, []string, error) {
	errs := &Errors{}
	index := map[string]int32{}
	for i := range t.N() {
		if c.Missing(i) {
			errs.Add(&CellError{Path: t.Path, Line: int(t.Lines[i]), Column: c.Name,
				Msg: "missing target (set missing: drop to leave such rows out)"})
			continue
		}
		index[c.Value(i)] = 0
	}
	if err := errs.Err(); err != nil {
		return nil, nil, err
	}
	classes := make([]string, 0, len(index))
	for name := range index {
		classes = append(classes, name)
	}
	slices.Sort(classes)
	for k, name := range classes {
		index[name] = int32(k)
	}
	labels := make([]int32, t.N())
	for i := range labels {
		labels[i] = index[c.Value(i)]
	}
	return labels, classes, nil
}
