package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/search"
	"github.com/exp-runner/exp/internal/yamlx"
)

// Search is a tpe sweep's search: its space (one parameter per axis, in
// axis order), the sampler's settings, and how to turn a point of the space
// into a trial and a recorded trial's params back into a point.
type Search struct {
	Space   search.Space
	Config  search.Config
	Samples int    // the budget: trials of the sweep, whatever their end
	Monitor string // the metric optimised: each trial's best epoch's value
	axes    Axes
	build   func(combo []*yaml.Node) (*Trial, yamlx.ErrorList)
}

// Search returns the search of a tpe sweep, or nil for other plans. The
// plan's Trials are then only its first n_startup trials (as random search
// draws them); the sweep proposes every trial as results arrive.
func (p *Plan) Search() *Search { return p.search }

// validateSearch checks the keys of method tpe, reporting at r (the sweep
// node), and warns when samples leave no trial to TPE.
func (s *Spec) validateSearch(r *yamlx.Reporter) {
	if s.Method != "tpe" {
		for _, k := range []string{"n_startup", "monitor", "direction"} {
			if r.Has(k) {
				r.Field(k).Errorf("is for method: tpe")
			}
		}
		return
	}
	if s.NStartup < 1 {
		r.Field("n_startup").Errorf("must be ≥ 1, got %d", s.NStartup)
	}
	if _, ok := record.LookupMetric(s.Monitor); !ok && s.Monitor != "" {
		r.Field("monitor").Errorf("unknown metric %q (known: %s)", s.Monitor, strings.Join(record.MetricNames(), ", "))
	}
	if s.Direction != "" && s.Direction != "maximize" && s.Direction != "minimize" {
		r.Field("direction").Errorf("must be maximize or minimize, got %q", s.Direction)
	}
}

// startupSamples is how many trials a tpe plan lists up front: its first
// n_startup (at most samples, and at most the points of a discrete space).
func (s *Spec) startupSamples(discreteTotal float64) int {
	n := min(s.Samples, s.NStartup)
	if discreteTotal > 0 {
		n = min(n, int(math.Min(discreteTotal, float64(math.MaxInt32))))
	}
	return n
}

// newSearch returns the search of a tpe plan with its monitor resolved.
func newSearch(spec *Spec, build func([]*yaml.Node) (*Trial, yamlx.ErrorList)) *Search {
	space := make(search.Space, len(spec.Axes))
	for i, ax := range spec.Axes {
		space[i] = param(ax)
	}
	dir := search.Minimize
	if spec.Direction == "maximize" || (spec.Direction == "" && record.HigherIsBetter(spec.Monitor)) {
		dir = search.Maximize
	}
	return &Search{
		Space:   space,
		Config:  search.Config{Seed: spec.Seed, NStartup: spec.NStartup, Direction: dir},
		Samples: spec.Samples, Monitor: spec.Monitor, axes: spec.Axes, build: build,
	}
}

// param is an axis as a parameter of the search space.
func param(ax *Axis) search.Param {
	p := search.Param{Name: ax.Path}
	switch {
	case ax.Dist == nil:
		p.Kind, p.Choices = search.Categorical, len(ax.Values)
	case ax.Dist.Kind == "int":
		p.Kind, p.Lo, p.Hi = search.Int, ax.Dist.Lo, ax.Dist.Hi
	case ax.Dist.Kind == "loguniform":
		p.Kind, p.Lo, p.Hi = search.LogUniform, ax.Dist.Lo, ax.Dist.Hi
	default:
		p.Kind, p.Lo, p.Hi = search.Uniform, ax.Dist.Lo, ax.Dist.Hi
	}
	return p
}

// Direction names the search's direction: maximize or minimize.
func (s *Search) Direction() string {
	if s.Config.Direction == search.Maximize {
		return "maximize"
	}
	return "minimize"
}

// Trial returns the trial of point x of the space (floats written with 6
// significant digits, as random search writes them).
func (s *Search) Trial(x []float64) (*Trial, error) {
	if len(x) != len(s.axes) {
		return nil, fmt.Errorf("plan: %d values for %d axes", len(x), len(s.axes))
	}
	combo := make([]*yaml.Node, len(x))
	for i, ax := range s.axes {
		switch p := s.Space[i]; p.Kind {
		case search.Categorical:
			combo[i] = ax.Values[int(x[i])]
		case search.Int:
			combo[i] = intNode(int64(x[i]), ax.Dist.Node)
		default:
			combo[i] = floatNode(x[i], ax.Dist.Node)
		}
	}
	t, errs := s.build(combo)
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// Point returns the point of the space of a recorded trial's params (by
// key path, as the results store reads them back), or an error if a value
// is missing or is not one of its axis's.
func (s *Search) Point(params map[string]any) ([]float64, error) {
	x := make([]float64, len(s.axes))
	for i, ax := range s.axes {
		v, ok := params[ax.Path]
		if !ok {
			return nil, fmt.Errorf("no value for axis %s", ax.Path)
		}
		if s.Space[i].Kind != search.Categorical {
			f, ok := number(v)
			if !ok {
				return nil, fmt.Errorf("axis %s: %v is not a number", ax.Path, v)
			}
			x[i] = f
			continue
		}
		j := choiceIndex(ax, v)
		if j < 0 {
			return nil, fmt.Errorf("axis %s: %v is not one of its values", ax.Path, v)
		}
		x[i] = float64(j)
	}
	return x, nil
}

// choiceIndex is the index of the axis value equal to v, or -1.
func choiceIndex(ax *Axis, v any) int {
	for j, n := range ax.Values {
		if sameValue(scalarValue(n), v) {
			return j
		}
	}
	return -1
}

// scalarValue decodes a value node as trials record it.
func scalarValue(n *yaml.Node) any {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return n.Value
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// sameValue compares recorded values: numbers by value, others as text.
func sameValue(a, b any) bool {
	fa, oka := number(a)
	fb, okb := number(b)
	if oka && okb {
		return fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		return 0, false
	}
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	return f, err == nil
}

// checkVariants builds, for each variant of the variant axis, one trial
// with the other axes at combo's values, so that an axis that is not a
// hyperparameter of every variant is an error before the search starts.
func checkVariants(spec *Spec, combo []*yaml.Node, build func([]*yaml.Node) (*Trial, yamlx.ErrorList)) yamlx.ErrorList {
	var errs yamlx.ErrorList
	for i, ax := range spec.Axes {
		if ax.Path != VariantAxis {
			continue
		}
		for _, v := range ax.Values {
			c := append([]*yaml.Node(nil), combo...)
			c[i] = v
			_, e := build(c)
			errs = append(errs, e...)
		}
	}
	return errs
}

// resolveMonitor sets the sweep's monitor (default: the one metric rule
// over the trials) and makes it prune's default monitor.
func (p *Plan) resolveMonitor(spec *Spec) {
	monitor := spec.Monitor
	if monitor == "" {
		monitor = record.DefaultMetric(p.allHave)
	}
	if spec.Prune != nil && spec.Prune.Monitor == "" {
		spec.Prune.Monitor = monitor
	}
	if spec.Method == "tpe" {
		spec.Monitor = monitor
	}
}
