package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/record"
)

// Metric is the name of an epoch metric (see record.Metrics).
type Metric string

// ParseMetric checks a metric's name.
func ParseMetric(s string) (Metric, error) {
	if _, ok := record.LookupMetric(s); !ok {
		return "", fmt.Errorf("unknown metric %q (known: %s)", s, strings.Join(record.MetricNames(), ", "))
	}
	return Metric(s), nil
}

// DefaultMetric is record.DefaultMetric for rows: the metric to rank them
// by when none is named, by the epochs any of them has.
func DefaultMetric(rows []*Row) Metric {
	return Metric(record.DefaultMetric(func(name string) bool {
		for _, r := range rows {
			for _, e := range r.Epochs {
				if Metric(name).Of(e) != nil {
					return true
				}
			}
		}
		return false
	}))
}

// HigherIsBetter reports whether the best value is the largest (accuracies)
// rather than the smallest (losses).
func (m Metric) HigherIsBetter() bool { return record.HigherIsBetter(string(m)) }

// Of returns the metric's value in epoch e, or nil.
func (m Metric) Of(e *record.Epoch) *float64 { return (*record.Epoch)(e).Value(string(m)) }

// Better reports whether a is better than b for this metric.
func (m Metric) Better(a, b float64) bool { return record.Better(string(m), a, b) }

// Row is one run with its resolved config and epochs.
type Row struct {
	Run    *record.Run
	Config map[string]any // the resolved config, decoded
	Leaves []Leaf         // its scalar values outside lists, in config order
	Epochs []*record.Epoch

	Best      *float64 // best value of the metric over the epochs
	BestEpoch int
	Final     *float64 // the last epoch's value
	Seconds   float64  // total epoch time
}

// Leaf is one scalar of a config, by key path.
type Leaf struct {
	Path  string
	Value any
}

// Value returns the value at path: a key path into the run's config, or one
// of the run's own fields: variant, status, id, name, model.
func (r *Row) Value(path string) (any, bool) {
	switch path {
	case "variant":
		if r.Run.Variant == "" {
			return nil, false
		}
		return r.Run.Variant, true
	case "status":
		return string(r.Run.Status), true
	case "id":
		return r.Run.ID, true
	}
	p, err := keypath.Parse(path)
	if err != nil {
		return nil, false
	}
	return keypath.Lookup(r.Config, p)
}

// Cond is one --where condition: the value at Path equals Value.
type Cond struct {
	Path  string
	Value any    // a YAML scalar: string, int, float64, bool or nil
	Text  string // as given
}

// ParseWhere parses PATH=VALUE; VALUE is a YAML scalar, compared by type
// (numbers by value: 1e-3 equals 0.001).
func ParseWhere(s string) (Cond, error) {
	path, val, ok := strings.Cut(s, "=")
	if !ok {
		return Cond{}, fmt.Errorf("expected PATH=VALUE, got %q", s)
	}
	path = strings.TrimSpace(path)
	if !isSpecial(path) {
		if _, err := keypath.Parse(path); err != nil {
			return Cond{}, err
		}
	}
	var v any
	if err := yaml.Unmarshal([]byte(val), &v); err != nil {
		return Cond{}, fmt.Errorf("value %q is not a YAML scalar: %v", val, err)
	}
	switch v.(type) {
	case map[string]any, []any:
		return Cond{}, fmt.Errorf("value %q is not a scalar", val)
	}
	return Cond{Path: path, Value: v, Text: s}, nil
}

func isSpecial(path string) bool {
	return path == "variant" || path == "status" || path == "id"
}

// Match reports whether the row meets the condition.
func (c Cond) Match(r *Row) bool {
	v, ok := r.Value(c.Path)
	if !ok {
		return c.Value == nil
	}
	return Equal(v, c.Value)
}

// Equal compares two scalars: numbers by value whatever their type,
// everything else by type and value.
func Equal(a, b any) bool {
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	if aNum && bNum {
		return fa == fb
	}
	if aNum != bNum || reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	if a != nil && !reflect.TypeOf(a).Comparable() { // a mapping or a list
		return reflect.DeepEqual(a, b)
	}
	return a == b
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// Filter selects runs.
type Filter struct {
	Sweep *record.Sweep // nil: every run
	Runs  []int64       // only these runs (nil: all)
	Where []Cond
}

// Select returns the rows the filter selects, by run id, with the best and
// final values of metric, and metric; an empty metric is DefaultMetric of
// the rows.
func Select(ctx context.Context, store Reader, f Filter, metric Metric) ([]*Row, Metric, error) {
	var runs []*record.Run
	var err error
	if f.Sweep != nil {
		runs, err = store.Trials(ctx, f.Sweep.ID)
	} else {
		runs, err = store.Runs(ctx)
	}
	if err != nil {
		return nil, "", err
	}
	epochs, err := store.AllEpochs(ctx)
	if err != nil {
		return nil, "", err
	}
	var rows []*Row
	for _, r := range runs {
		if f.Runs != nil && !slices.Contains(f.Runs, r.ID) {
			continue
		}
		row, err := newRow(r, epochs[r.ID])
		if err != nil {
			return nil, "", err
		}
		keep := true
		for _, c := range f.Where {
			keep = keep && c.Match(row)
		}
		if keep {
			rows = append(rows, row)
		}
	}
	slices.SortFunc(rows, func(a, b *Row) int { return int(a.Run.ID - b.Run.ID) })
	if metric == "" {
		metric = DefaultMetric(rows)
	}
	for _, row := range rows {
		row.rank(metric)
	}
	return rows, metric, nil
}

// NewRow decodes a run's config and reduces its epochs for metric.
func NewRow(r *record.Run, epochs []*record.Epoch, metric Metric) (*Row, error) {
	row, err := newRow(r, epochs)
	if err != nil {
		return nil, err
	}
	row.rank(metric)
	return row, nil
}

// newRow decodes a run's config and sums its epochs' seconds.
func newRow(r *record.Run, epochs []*record.Epoch) (*Row, error) {
	row := &Row{Run: r, Epochs: epochs}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(r.ConfigYAML), &n); err != nil {
		return nil, fmt.Errorf("run %d: stored config: %w", r.ID, err)
	}
	if err := n.Decode(&row.Config); err != nil {
		return nil, fmt.Errorf("run %d: stored config: %w", r.ID, err)
	}
	if len(n.Content) > 0 {
		row.Leaves = leaves(n.Content[0], "")
	}
	for _, e := range epochs {
		row.Seconds += e.Seconds
	}
	return row, nil
}

// rank sets the row's best and final values of metric.
func (row *Row) rank(metric Metric) {
	row.Best, row.BestEpoch, row.Final = nil, 0, nil
	for _, e := range row.Epochs {
		v := metric.Of(e)
		row.Final = v
		if v != nil && !math.IsNaN(*v) && (row.Best == nil || metric.Better(*v, *row.Best)) {
			row.Best, row.BestEpoch = v, e.Epoch
		}
	}
}

// leaves lists the scalars of a mapping node outside lists, in order.
func leaves(n *yaml.Node, prefix string) []Leaf {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out []Leaf
	for i := 0; i+1 < len(n.Content); i += 2 {
		path := n.Content[i].Value
		if prefix != "" {
			path = prefix + "." + path
		}
		v := n.Content[i+1]
		switch v.Kind {
		case yaml.MappingNode:
			out = append(out, leaves(v, path)...)
		case yaml.ScalarNode:
			var val any
			if err := v.Decode(&val); err == nil {
				out = append(out, Leaf{Path: path, Value: val})
			}
		}
	}
	return out
}

// labels are the config keys shown in their own columns (name, model).
var labels = map[string]bool{"name": true, "model.name": true}

// Varying returns the key paths whose values differ among the rows (variant
// first), in the order they appear in the configs. Only paths every row has
// count: a key that one dataset or optimizer has and another lacks says no
// more than the dataset or optimizer's name, which is a column then. Lists
// (model.layers) are never split into columns: the model's name stands for
// them.
func Varying(rows []*Row) []string {
	var paths []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, l := range r.Leaves {
			if !seen[l.Path] && !labels[l.Path] {
				seen[l.Path] = true
				paths = append(paths, l.Path)
			}
		}
	}
	var out []string
	if differs(rows, "variant") {
		out = append(out, "variant")
	}
	for _, p := range paths {
		if differs(rows, p) {
			out = append(out, p)
		}
	}
	return out
}

func differs(rows []*Row, path string) bool {
	first, ok := rows[0].Value(path)
	if !ok {
		return false
	}
	diff := false
	for _, r := range rows[1:] {
		v, ok := r.Value(path)
		if !ok {
			return false
		}
		diff = diff || !Equal(first, v)
	}
	return diff
}

// Group is the rows sharing values at the group-by paths.
type Group struct {
	Key  []any // one value per path (nil where a run has none)
	Rows []*Row
	// N counts the rows with a best value; Mean and Std (sample standard
	// deviation, NaN for N < 2) are over those best values.
	N         int
	Mean, Std float64
	Best      *Row // the row with the best value
}

// GroupBy groups rows by their values at paths, in order of first
// appearance; values are the same as Equal compares them.
func GroupBy(rows []*Row, paths []string, metric Metric) []*Group {
	var groups []*Group
	index := map[string]*Group{}
	for _, r := range rows {
		key := make([]any, len(paths))
		var id strings.Builder
		for i, p := range paths {
			key[i], _ = r.Value(p)
			id.WriteString(groupKey(key[i]))
			id.WriteByte(0)
		}
		g := index[id.String()]
		if g == nil {
			g = &Group{Key: key}
			index[id.String()] = g
			groups = append(groups, g)
		}
		g.Rows = append(g.Rows, r)
	}
	for _, g := range groups {
		var vals []float64
		for _, r := range g.Rows {
			if r.Best == nil {
				continue
			}
			vals = append(vals, *r.Best)
			if g.Best == nil || metric.Better(*r.Best, *g.Best.Best) {
				g.Best = r
			}
		}
		g.N = len(vals)
		g.Mean, g.Std = MeanStd(vals)
	}
	return groups
}

// groupKey is v as a group's key: equal for values Equal finds equal
// (numbers by value whatever their type, the rest by type and value).
func groupKey(v any) string {
	if f, ok := toFloat(v); ok {
		return "n" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%T:%v", v, v) // mappings print with sorted keys
}

// MeanStd returns the mean and the sample standard deviation (n-1 in the
// denominator) of vals; the deviation is NaN for fewer than two values, the
// mean NaN for none.
func MeanStd(vals []float64) (mean, std float64) {
	n := float64(len(vals))
	if len(vals) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range vals {
		mean += v
	}
	mean /= n
	if len(vals) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1))
}

// ParsePaths splits a comma-separated list of key paths (or variant),
// checking each.
func ParsePaths(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !isSpecial(p) {
			if _, err := keypath.Parse(p); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("no key paths given")
	}
	return out, nil
}

// ParseIDs parses a comma-separated list of run ids.
func ParseIDs(s string) ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a run id", p)
		}
		out = append(out, id)
	}
	return out, nil
}

// EpochRecords flattens the rows' epochs into records, one per epoch: the
// run's id, name, model, status, sweep, trial and variant, every config
// scalar by key path (the union over the runs, in order of first
// appearance), then the epoch and its metrics. Missing values are nil.
func EpochRecords(rows []*Row) (columns []string, records [][]any) {
	var paths []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, l := range r.Leaves {
			if !seen[l.Path] {
				seen[l.Path] = true
				paths = append(paths, l.Path)
			}
		}
	}
	columns = []string{"run_id", "run_name", "model", "status", "sweep_id", "trial", "variant"}
	for _, p := range paths {
		columns = append(columns, "config."+p)
	}
	columns = append(columns, "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "ms_per_step", "examples_per_second")
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, r := range rows {
		base := []any{r.Run.ID, r.Run.Name, r.Run.ModelName, string(r.Run.Status), nilIfZero(r.Run.SweepID), nilIfZero(int64(r.Run.Trial)), nilIfEmpty(r.Run.Variant)}
		byPath := map[string]any{}
		for _, l := range r.Leaves {
			byPath[l.Path] = l.Value
		}
		for _, p := range paths {
			base = append(base, byPath[p])
		}
		for _, e := range r.Epochs {
			rec := append(slices.Clone(base), e.Epoch, opt(e.Loss), opt(e.Accuracy), opt(e.ValLoss), opt(e.ValAccuracy),
				e.Seconds, e.MsPerStep, e.ExamplesPerSecond)
			records = append(records, rec)
		}
	}
	return columns, records
}

func nilIfZero(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
