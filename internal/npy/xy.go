package npy

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// XYSpec is a `dataset: npz` config: examples x and labels or targets y,
// either as two arrays of one .npz archive or as two .npy files.
type XYSpec struct {
	Path         string // the .npz archive
	X, Y         string // its arrays; "" means "x" and "y"
	XPath, YPath string // instead of Path: a .npy file each
	Task         string // "", "classification" or "regression"
}

// XY is a loaded npz dataset.
type XY struct {
	X          *Array
	Y          *Array
	Task       string    // "classification" or "regression"
	TaskReason string    // how the task was decided, to show the user
	Classes    []int64   // classification: the distinct y values, ascending; label i stands for Classes[i]
	Labels     []int32   // classification: each example's index into Classes
	Targets    []float32 // regression: Y as float32, never normalized
	Files      []string  // the files read, for contenthash.Files
}

// Tasks.
const (
	Classification = "classification"
	Regression     = "regression"
)

// LoadXY loads spec's arrays and decides the task: classification when y
// holds integers, regression when it holds floats, unless spec.Task says.
// Reading stops once ctx is done; limit (> 0) bounds each array's bytes
// (see ReadFile).
func LoadXY(ctx context.Context, spec XYSpec, limit int64) (*XY, error) {
	out := &XY{}
	if err := out.read(ctx, spec, limit); err != nil {
		return nil, err
	}
	x, y := out.X, out.Y
	if len(x.Shape) == 0 || len(y.Shape) == 0 {
		return nil, fmt.Errorf("%s, %s: x and y need a first axis of examples; shapes %v and %v", x.Name, y.Name, x.Shape, y.Shape)
	}
	if x.Len() != y.Len() {
		return nil, fmt.Errorf("%s has %d examples (shape %v) but %s has %d (shape %v)", x.Name, x.Len(), x.Shape, y.Name, y.Len(), y.Shape)
	}
	if x.Len() == 0 {
		return nil, fmt.Errorf("%s: no examples", x.Name)
	}
	out.Task, out.TaskReason = Regression, fmt.Sprintf("inferred: y has dtype %s", y.DType)
	if y.IsInteger() {
		out.Task = Classification
	}
	switch spec.Task {
	case "":
	case Classification, Regression:
		out.Task, out.TaskReason = spec.Task, "set in the config"
	default:
		return nil, fmt.Errorf("task: %q is not one of %q, %q", spec.Task, Classification, Regression)
	}
	if out.Task == Regression {
		out.Targets = y.Float32()
		return out, nil
	}
	return out, out.classes()
}

// read reads x and y from the archive or the two files.
func (xy *XY) read(ctx context.Context, spec XYSpec, limit int64) error {
	if spec.Path != "" {
		if spec.XPath != "" || spec.YPath != "" {
			return fmt.Errorf("path (an .npz) and x_path/y_path (.npy files) both give the arrays; keep one")
		}
		xn, yn := or(spec.X, "x"), or(spec.Y, "y")
		arrays, err := ReadNpz(ctx, spec.Path, limit, xn, yn)
		if err != nil {
			return err
		}
		xy.X, xy.Y, xy.Files = arrays[xn], arrays[yn], []string{spec.Path}
		return nil
	}
	if spec.XPath == "" || spec.YPath == "" {
		return fmt.Errorf("an npz dataset needs path (an .npz archive) or both x_path and y_path (.npy files)")
	}
	x, errX := ReadFile(ctx, spec.XPath, limit)
	y, errY := ReadFile(ctx, spec.YPath, limit)
	if errX != nil || errY != nil {
		return joinErrors(errX, errY)
	}
	xy.X, xy.Y, xy.Files = x, y, []string{spec.XPath, spec.YPath}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func joinErrors(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return fmt.Errorf("%w\n%w", a, b)
}

// classes numbers y's distinct values in ascending order; y must be one
// integral value per example.
func (xy *XY) classes() error {
	y := xy.Y
	if len(y.Shape) > 2 || (len(y.Shape) == 2 && y.Shape[1] != 1) {
		return fmt.Errorf("%s: classification needs one label per example; y has shape %v", y.Name, y.Shape)
	}
	vals := y.Int64()
	if vals == nil {
		vals = make([]int64, y.Size())
		for i, f := range y.F32 {
			if f != float32(math.Trunc(float64(f))) || math.Abs(float64(f)) > 1<<24 {
				return fmt.Errorf("%s: classification labels must be integers; y[%d] = %v", y.Name, i, f)
			}
			vals[i] = int64(f)
		}
	}
	seen := map[int64]int32{}
	for _, v := range vals {
		seen[v] = 0
	}
	for v := range seen {
		xy.Classes = append(xy.Classes, v)
	}
	slices.Sort(xy.Classes)
	if len(xy.Classes) < 2 {
		return fmt.Errorf("%s: classification needs at least 2 classes; y holds only %d", y.Name, xy.Classes[0])
	}
	for k, v := range xy.Classes {
		seen[v] = int32(k)
	}
	xy.Labels = make([]int32, len(vals))
	for i, v := range vals {
		xy.Labels[i] = seen[v]
	}
	return nil
}
