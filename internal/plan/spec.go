package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/search"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/yamlx"
)

// VariantAxis is the special axis that picks a variant by name.
const VariantAxis = "variant"

// Spec is a file's `sweep:` section.
type Spec struct {
	Method  string `yaml:"method"`  // grid (default), random or tpe
	Axes    Axes   `yaml:"axes"`    // key path (or "variant") → values
	Samples int    `yaml:"samples"` // random, tpe: how many trials
	Seed    int64  `yaml:"seed"`    // random, tpe: seed of the sampler
	Prune   *Prune `yaml:"prune"`   // stop trials that fall behind
	// NStartup is tpe's number of random trials before TPE takes over
	// (default 10): with the same seed, the trials random search draws.
	NStartup int `yaml:"n_startup"`
	// Monitor is the metric a tpe search optimises, each trial's best
	// epoch's value (default: record.DefaultMetric of the trials).
	Monitor string `yaml:"monitor"`
	// Direction is maximize or minimize (default: the monitor's direction).
	Direction string `yaml:"direction"`
}

// Methods are the search methods of sweep.method.
var Methods = []string{"grid", "random", "tpe"}

// Prune is sweep.prune: at each milestone epoch, a trial whose monitored
// metric is worse than the rule's cut among the trials that reached it (at
// least min_trials of them, itself included) stops as pruned.
type Prune struct {
	Rule       string `yaml:"rule"`       // median or asha
	Milestones []int  `yaml:"milestones"` // epochs at which to compare
	MinTrials  int    `yaml:"min_trials"` // trials that must have reached a milestone first (default 3)
	Monitor    string `yaml:"monitor"`    // metric (default: record.DefaultMetric of the trials)
	Eta        int    `yaml:"eta"`        // asha: keep the best 1/eta (default 3)
}

// Axis is one sweep axis: a key path and its values or distribution.
type Axis struct {
	Path   string
	Key    *yaml.Node   // the axis's key in the file, for errors
	Values []*yaml.Node // a list of values (grid, or choice)
	Dist   *Dist        // a distribution (random search)
}

// Dist is a distribution to sample an axis from.
type Dist struct {
	Kind   string // uniform, loguniform, int or choice
	Lo, Hi float64
	Node   *yaml.Node // where it is written
}

// Discrete reports whether the axis takes finitely many values.
func (a *Axis) Discrete() bool { return a.Dist == nil || a.Dist.Kind == "int" }

// Size is the number of values of a discrete axis.
func (a *Axis) Size() int {
	if a.Dist != nil {
		return int(a.Dist.Hi-a.Dist.Lo) + 1
	}
	return len(a.Values)
}

// Axes is the ordered list of axes.
type Axes []*Axis

// UnmarshalYAMLX decodes the axes mapping in order.
func (a *Axes) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := r.Node()
	if yamlx.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.Errorf("must be a mapping from key paths to lists of values, got %s", yamlx.Describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlx.Resolve(n.Content[i+1])
		path := k.Value
		ar := r.At(yamlx.JoinPath(r.Path(), path), v)
		if line, dup := seen[path]; dup {
			r.At(yamlx.JoinPath(r.Path(), path), k).Errorf("duplicate axis %q (first at line %d)", path, line)
			continue
		}
		seen[path] = k.Line
		if path != VariantAxis {
			if _, err := keypath.Parse(path); err != nil {
				r.At(yamlx.JoinPath(r.Path(), path), k).Errorf("%v", err)
				continue
			}
			if p := keypath.MustParse(path); p[0].Key == "variants" || p[0].Key == "sweep" || p[0].Key == "name" {
				r.At(yamlx.JoinPath(r.Path(), path), k).Errorf("cannot sweep over %s", p[0].Key)
				continue
			}
		}
		ax := &Axis{Path: path, Key: k}
		switch {
		case v.Kind == yaml.SequenceNode:
			if len(v.Content) == 0 {
				ar.Errorf("an axis needs at least one value")
				continue
			}
			for _, c := range v.Content {
				ax.Values = append(ax.Values, yamlx.Resolve(c))
			}
		case v.Kind == yaml.MappingNode:
			ax.Dist = decodeDist(ar, v)
			if ax.Dist == nil {
				continue
			}
			if ax.Dist.Kind == "choice" {
				ax.Values, ax.Dist = ax.Dist.Node.Content, nil
			}
		default:
			ar.Errorf("must be a list of values or a distribution ({uniform: [a, b]}, {loguniform: [a, b]}, {int: [a, b]}, {choice: [...]}), got %s", yamlx.Describe(v))
			continue
		}
		*a = append(*a, ax)
	}
}

var distKinds = []string{"uniform", "loguniform", "int", "choice"}

func decodeDist(r *yamlx.Reporter, v *yaml.Node) *Dist {
	if len(v.Content) != 2 {
		r.Errorf("a distribution is one of %s with its arguments, e.g. {loguniform: [1e-5, 1e-2]}", strings.Join(distKinds, ", "))
		return nil
	}
	kind, arg := v.Content[0].Value, yamlx.Resolve(v.Content[1])
	dr := r.At(yamlx.JoinPath(r.Path(), kind), arg)
	if !slices.Contains(distKinds, kind) {
		yamlx.UnknownKey(r, kind, distKinds)
		return nil
	}
	if arg.Kind != yaml.SequenceNode {
		dr.Errorf("must be a list, got %s", yamlx.Describe(arg))
		return nil
	}
	if kind == "choice" {
		if len(arg.Content) == 0 {
			dr.Errorf("needs at least one value")
			return nil
		}
		return &Dist{Kind: kind, Node: arg}
	}
	if len(arg.Content) != 2 {
		dr.Errorf("needs two bounds [low, high], got %d values", len(arg.Content))
		return nil
	}
	d := &Dist{Kind: kind, Node: arg}
	for i, p := range []*float64{&d.Lo, &d.Hi} {
		var ok bool
		if kind == "int" {
			var n int64
			n, ok = yamlx.ScalarInt(arg.Content[i])
			*p = float64(n)
		} else {
			*p, ok = yamlx.ScalarFloat(arg.Content[i])
		}
		if !ok || math.IsNaN(*p) || math.IsInf(*p, 0) {
			what := "a finite number"
			if kind == "int" {
				what = "an integer"
			}
			dr.Index(i).Errorf("must be %s, got %s", what, yamlx.Describe(arg.Content[i]))
			return nil
		}
	}
	switch {
	case d.Lo > d.Hi:
		dr.Errorf("low bound %g is above high bound %g", d.Lo, d.Hi)
		return nil
	case kind == "loguniform" && d.Lo <= 0:
		dr.Index(0).Errorf("loguniform bounds must be > 0, got %g", d.Lo)
		return nil
	case kind == "int" && d.Hi-d.Lo > 1e9:
		dr.Errorf("the range holds more than 10⁹ integers")
		return nil
	}
	return d
}

// Variant is one entry of `variants:`: a partial config merged over the
// base, or (from:) another file's model and train sections.
type Variant struct {
	Name string
	Node *yaml.Node // the partial config (a mapping)
	From string     // the file it came from, if from:
}

// validate checks the spec's own values, reporting at r (the sweep node).
func (s *Spec) validate(r *yamlx.Reporter) {
	switch s.Method {
	case "grid":
		s.Axes = slices.DeleteFunc(s.Axes, func(ax *Axis) bool {
			if ax.Dist != nil {
				r.At(yamlx.JoinPath(r.Path(), "axes."+ax.Path), ax.Dist.Node).Errorf("a %s distribution needs method: random (grid search takes lists)", ax.Dist.Kind)
			}
			return ax.Dist != nil
		})
		if r.Has("samples") {
			r.Field("samples").Errorf("is for method: random")
		}
	case "random", "tpe":
		if s.Samples <= 0 {
			r.Field("samples").Errorf("method %s needs samples > 0, got %d", s.Method, s.Samples)
		}
	default:
		msg := fmt.Sprintf("must be grid, random or tpe, got %q", s.Method)
		if n := suggest.Nearest(s.Method, Methods); n != "" {
			msg += fmt.Sprintf("; did you mean %q?", n)
		}
		r.Field("method").Errorf("%s", msg)
	}
	s.validateSearch(r)
	if p := s.Prune; p != nil {
		pr := r.Field("prune")
		if p.Rule != "median" && p.Rule != "asha" {
			pr.Field("rule").Errorf("must be median or asha, got %q", p.Rule)
		}
		if len(p.Milestones) == 0 {
			pr.Field("milestones").Errorf("needs at least one epoch")
		}
		for i, m := range p.Milestones {
			if m <= 0 || (i > 0 && m <= p.Milestones[i-1]) {
				pr.Field("milestones").Index(i).Errorf("milestones must be increasing epochs ≥ 1, got %d", m)
			}
		}
		if p.MinTrials < 1 {
			pr.Field("min_trials").Errorf("must be ≥ 1, got %d", p.MinTrials)
		}
		if !record.Ranked(p.Monitor) && p.Monitor != "" {
			pr.Field("monitor").Errorf("unknown metric %q (known: %s)", p.Monitor, strings.Join(record.MetricNames(), ", "))
		}
		if p.Eta < 2 {
			pr.Field("eta").Errorf("must be ≥ 2, got %d", p.Eta)
		}
	}
}

// defaultSpec is the spec of a file with variants but no sweep section, and
// the defaults of a sweep section.
func defaultSpec() *Spec { return &Spec{Method: "grid", NStartup: search.DefaultNStartup} }

// UnmarshalYAMLX decodes the prune settings over their defaults.
func (p *Prune) UnmarshalYAMLX(r *yamlx.Reporter) {
	*p = Prune{MinTrials: 3, Eta: 3} // Load resolves an empty Monitor
	type plain Prune
	yamlx.Decode(r, (*plain)(p))
}

func (a *Axis) String() string { return fmt.Sprintf("%s (%d values)", a.Path, len(a.Values)) }
