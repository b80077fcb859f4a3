package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/gomlx/gomlx/backends"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/rng"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// DefaultMaxTrials is the largest sweep planned without --max-trials.
const DefaultMaxTrials = 1000

// Options configures Load.
type Options struct {
	// MaxTrials refuses sweeps with more trials (default DefaultMaxTrials).
	MaxTrials int
	// NewBackend creates the backend a config names, to build each distinct
	// model once and check its shapes (nil: models are not built).
	NewBackend func(spec string) (backends.Backend, error)
	// Memory is what the trials' datasets check the size of their data
	// against before loading it (config.Options.Memory).
	Memory registry.MemoryPolicy
	// Context, when not nil, stops the reading of the config file and of
	// the trials' data once it is done (config.Options.Context).
	Context context.Context
}

// Param is one axis value of a trial.
type Param struct {
	Path  string // key path, or "variant"
	Value any    // decoded value: string, int64, float64, bool, …
}

// Trial is one configuration to train.
type Trial struct {
	Index   int // 1-based position in the plan
	Variant string
	Params  []Param
	Config  *config.Config
}

// Architecture is one distinct model of a plan, built once.
type Architecture struct {
	Model   string
	Trials  []int // indices of the trials that use it
	Summary *model.Summary
}

// Plan is a file's trials.
type Plan struct {
	Name  string // the sweep's name: the file's name key, or its stem
	File  string
	Sweep bool  // the file has variants or a sweep section
	Spec  *Spec // nil for a plain config
	// Trials in plan order. Distinct: no two have the same config hash.
	Trials        []*Trial
	Architectures []*Architecture
	// Warnings are remarks on a sound file (e.g. a tpe budget that leaves
	// TPE no trial).
	Warnings []string
	search   *Search // a tpe sweep's search, nil otherwise

	warmupChecked bool // Memory added the batchnorm warm-up warnings

	dataMu    sync.Mutex
	dataSizes map[string]dataSize // what each distinct data section's examples take
}

// Hash identifies the plan's set of trials: the sha256 of their config
// hashes in plan order.
func (p *Plan) Hash() string {
	h := sha256.New()
	for _, t := range p.Trials {
		fmt.Fprintln(h, t.Config.Hash())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Load reads the config file at path and expands it into trials. Every
// error found, in the file and in any trial, comes back at once as a
// yamlx.ErrorList.
func Load(path string, overrides []config.Override, opts Options) (*Plan, error) {
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	src, err := config.ReadFile(opts.Context, path)
	if err != nil {
		return nil, err
	}
	doc, err := yamlx.Parse(path, src)
	if err != nil {
		return nil, err
	}
	if opts.MaxTrials <= 0 {
		opts.MaxTrials = DefaultMaxTrials
	}
	r := yamlx.NewReporter(doc)
	if doc.Root.Kind != yaml.MappingNode {
		got := yamlx.Describe(doc.Root)
		if doc.Root.Kind == yaml.ScalarNode {
			// A data file given where a config belongs: quote one line, not the file.
			line, _, _ := strings.Cut(strings.TrimPrefix(string(src), "\ufeff"), "\n")
			got = fmt.Sprintf("text whose first line is %s (a data file? a config file names its data under data:)", yamlx.Quote(line))
		}
		r.Errorf("a config file must be a mapping of keys (name, data, model, train, backend, variants, sweep), got %s", got)
		return nil, r.Err()
	}
	base, variantsNode, sweepNode := splitRoot(doc.Root)
	p := &Plan{File: path, Sweep: variantsNode != nil || sweepNode != nil}
	variants := loadVariants(opts.Context, r.Field("variants"), variantsNode)
	spec := p.loadSpec(r, sweepNode, variants, variantsNode)
	// Go on past errors so far, with the axes and variants that are sound,
	// so that errors in the trials' configs are reported too.
	combos, err := expandLimited(r, spec, opts.MaxTrials)
	if err != nil {
		return nil, err
	}
	co := config.Options{Overrides: overrides, Memory: opts.Memory, Context: opts.Context}
	build := func(combo []*yaml.Node) (*Trial, yamlx.ErrorList) {
		return buildTrial(doc, base, spec, variants, combo, co)
	}
	errs := r.Errors()
	if spec != nil && spec.Method == "tpe" && len(combos) > 0 {
		errs = append(errs, checkVariants(spec, combos[0], build)...)
	}
	errs = append(errs, p.addTrials(combos, build)...)
	if len(errs) == 0 && len(p.Trials) == 0 {
		r.Errorf("the sweep has no trials")
		errs = r.Errors()
	}
	if len(errs) == 0 && opts.NewBackend != nil {
		errs = append(errs, p.inspect(opts.NewBackend)...)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	p.finish(spec, build)
	return p, nil
}

// splitRoot returns the file's mapping without its variants and sweep
// keys, and the values of those two (nil when absent).
func splitRoot(root *yaml.Node) (base, variantsNode, sweepNode *yaml.Node) {
	base = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line, Column: root.Column}
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "variants":
			variantsNode = yamlx.Resolve(root.Content[i+1])
		case "sweep":
			sweepNode = yamlx.Resolve(root.Content[i+1])
		default:
			base.Content = append(base.Content, root.Content[i], root.Content[i+1])
		}
	}
	return base, variantsNode, sweepNode
}

// loadSpec decodes and checks the sweep section of a file that has
// variants or a sweep (nil for a plain config).
func (p *Plan) loadSpec(r *yamlx.Reporter, sweepNode *yaml.Node, variants []*Variant, variantsNode *yaml.Node) *Spec {
	if !p.Sweep {
		return nil
	}
	spec := defaultSpec()
	if sweepNode != nil {
		sr := r.Field("sweep")
		yamlx.Decode(sr, spec)
		spec.validate(sr)
	}
	p.Spec = spec
	resolveVariantAxis(r, spec, variants, variantsNode)
	return spec
}

// expandLimited returns the axes' combinations (one empty one without a
// sweep), or the errors found expanding them, or that there are more than
// maxTrials of them.
func expandLimited(r *yamlx.Reporter, spec *Spec, maxTrials int) ([][]*yaml.Node, error) {
	if spec == nil {
		return [][]*yaml.Node{nil}, nil
	}
	specErrors := r.Count()
	combos := expand(r.Field("sweep"), spec)
	if r.Count() > specErrors {
		return nil, r.Err()
	}
	if n := max(len(combos), spec.Samples); n > maxTrials {
		at := r.Field("sweep")
		if spec.Method != "grid" {
			at = at.Field("samples")
		}
		at.Errorf("the sweep has %d trials, more than the limit of %d (--max-trials raises it)", n, maxTrials)
		return nil, r.Err()
	}
	return combos, nil
}

// addTrials builds the trial of each combination, numbered from 1 in
// order; combinations whose configs hash alike (1e-4 and 0.0001 on one
// axis) make one trial.
func (p *Plan) addTrials(combos [][]*yaml.Node, build func([]*yaml.Node) (*Trial, yamlx.ErrorList)) yamlx.ErrorList {
	var errs yamlx.ErrorList
	seen := map[string]bool{}
	for _, combo := range combos {
		t, trialErrs := build(combo)
		errs = append(errs, trialErrs...)
		if t == nil {
			continue
		}
		h := t.Config.Hash()
		if seen[h] {
			continue
		}
		seen[h] = true
		t.Index = len(p.Trials) + 1
		p.Trials = append(p.Trials, t)
	}
	return errs
}

// finish names the plan and, for a sweep, resolves its monitor and sets
// up a tpe search.
func (p *Plan) finish(spec *Spec, build func([]*yaml.Node) (*Trial, yamlx.ErrorList)) {
	p.Name = p.Trials[0].Config.Name
	if spec == nil {
		return
	}
	p.resolveMonitor(spec)
	if spec.Method == "tpe" {
		p.search = newSearch(spec, build)
		if spec.Samples <= spec.NStartup {
			p.Warnings = append(p.Warnings, fmt.Sprintf("sweep.samples (%d) is not above sweep.n_startup (%d): every trial is a random draw, the search is random search", spec.Samples, spec.NStartup))
		}
	}
}

// allHave reports whether every trial records the epoch metric called name.
func (p *Plan) allHave(name string) bool {
	for _, t := range p.Trials {
		if !t.Config.HasMetric(name) {
			return false
		}
	}
	return true
}

// loadVariants decodes the variants mapping, in order.
func loadVariants(ctx context.Context, r *yamlx.Reporter, n *yaml.Node) []*Variant {
	if yamlx.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.Errorf("must be a mapping from variant names to partial configs, got %s", yamlx.Describe(n))
		return nil
	}
	var out []*Variant
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, v := n.Content[i].Value, yamlx.Resolve(n.Content[i+1])
		vr := r.Field(name)
		if seen[name] {
			r.Key(name).Errorf("duplicate variant %q", name)
			continue
		}
		seen[name] = true
		if v.Kind != yaml.MappingNode {
			vr.Errorf("must be a partial config (a mapping) or {from: FILE}, got %s", yamlx.Describe(v))
			continue
		}
		if _, from := yamlx.MapGet(v, "from"); from != nil {
			if len(v.Content) != 2 {
				vr.Errorf("a variant with from: takes no other keys")
				continue
			}
			out = append(out, loadFrom(ctx, vr.Field("from"), name, from))
			continue
		}
		for j := 0; j < len(v.Content); j += 2 {
			if k := v.Content[j].Value; k == "variants" || k == "sweep" || k == "name" {
				vr.Key(k).Errorf("a variant cannot set %s", k)
			}
		}
		out = append(out, &Variant{Name: name, Node: v})
	}
	return out
}

// loadFrom reads another config file and returns a variant of its model and
// train sections. The path is taken relative to the sweep file's folder,
// else to the working directory.
func loadFrom(ctx context.Context, r *yamlx.Reporter, name string, from *yaml.Node) *Variant {
	if from.Kind != yaml.ScalarNode || from.Value == "" {
		r.Errorf("must be the path of a config file, got %s", yamlx.Describe(from))
		return nil
	}
	doc := r.Doc()
	candidates := []string{filepath.Join(filepath.Dir(doc.File), from.Value), from.Value}
	if filepath.IsAbs(from.Value) {
		candidates = candidates[1:]
	}
	var file string
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			file = c
			break
		}
	}
	if file == "" {
		r.Errorf("%s does not exist (looked in %s)", from.Value, strings.Join(candidates, ", "))
		return nil
	}
	src, err := config.ReadFile(ctx, file)
	if err != nil {
		r.Errorf("%v", err)
		return nil
	}
	other, err := yamlx.Parse(file, src)
	var errs yamlx.ErrorList
	if errors.As(err, &errs) {
		r.Add(errs...)
		return nil
	}
	v := &Variant{Name: name, From: file, Node: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: from.Line, Column: from.Column}}
	for _, key := range []string{"model", "train"} {
		k, val := yamlx.MapGet(other.Root, key)
		if val == nil {
			continue
		}
		doc.Adopt(k, file)
		doc.Adopt(val, file)
		v.Node.Content = append(v.Node.Content, k, val)
	}
	if len(v.Node.Content) == 0 {
		r.Errorf("%s has no model or train section", file)
		return nil
	}
	return v
}

// resolveVariantAxis checks the variant axis's names, or adds the axis (all
// variants, in order) when the file has variants but sweeps no variant axis.
func resolveVariantAxis(r *yamlx.Reporter, spec *Spec, variants []*Variant, variantsNode *yaml.Node) {
	names := make([]string, 0, len(variants))
	for _, v := range variants {
		if v != nil {
			names = append(names, v.Name)
		}
	}
	for _, ax := range spec.Axes {
		if ax.Path != VariantAxis {
			continue
		}
		ar := r.At("sweep.axes.variant", ax.Key)
		if len(variants) == 0 {
			ar.Errorf("the file has no variants to choose from")
			return
		}
		if ax.Dist != nil {
			ar.Errorf("variant takes a list of variant names")
			return
		}
		var known []*yaml.Node
		for i, v := range ax.Values {
			if !contains(names, v.Value) {
				msg := fmt.Sprintf("unknown variant %q (known: %s)", v.Value, strings.Join(names, ", "))
				if s := suggest.Nearest(v.Value, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				r.At(fmt.Sprintf("sweep.axes.variant[%d]", i), v).Errorf("%s", msg)
				continue
			}
			known = append(known, v)
		}
		ax.Values = known
		if len(known) == 0 {
			spec.Axes = slices.DeleteFunc(spec.Axes, func(a *Axis) bool { return a == ax })
		}
		return
	}
	if len(variants) == 0 {
		return
	}
	ax := &Axis{Path: VariantAxis, Key: variantsNode}
	for i := 0; i+1 < len(variantsNode.Content); i += 2 {
		k := variantsNode.Content[i]
		ax.Values = append(ax.Values, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.Value, Line: k.Line, Column: k.Column})
	}
	spec.Axes = append(Axes{ax}, spec.Axes...)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// expand returns one list of axis values per trial.
func expand(r *yamlx.Reporter, spec *Spec) [][]*yaml.Node {
	if len(spec.Axes) == 0 {
		if spec.Method != "grid" {
			r.Field("axes").Errorf("%s search needs at least one axis", spec.Method)
		}
		return [][]*yaml.Node{nil}
	}
	discrete := true
	total := 1.0
	for _, ax := range spec.Axes {
		if !ax.Discrete() {
			discrete = false
			continue
		}
		total *= float64(ax.Size())
	}
	if spec.Method == "grid" {
		if total > 1e6 {
			r.Field("axes").Errorf("the grid has %.0f trials", total)
			return nil
		}
		return grid(spec.Axes)
	}
	rng := rng.New(uint64(spec.Seed), rng.RandomSearch)
	if spec.Method == "tpe" {
		// Only the first n_startup trials are planned; TPE proposes the rest.
		cut := 0.0
		if discrete {
			cut = total
		}
		s := *spec
		s.Method, s.Samples = "random", spec.startupSamples(cut)
		return expand(r, &s)
	}
	if discrete {
		if float64(spec.Samples) > total {
			r.Field("samples").Errorf("asks for %d trials, but the axes hold only %.0f distinct ones", spec.Samples, total)
			return nil
		}
		if total > 1e6 {
			return sampleDistinct(spec, rng)
		}
		all := grid(spec.Axes)
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:spec.Samples]
	}
	out := make([][]*yaml.Node, spec.Samples)
	for i := range out {
		out[i] = sample(spec.Axes, rng)
	}
	return out
}

// grid returns the cartesian product of the axes, the first axis outermost.
func grid(axes Axes) [][]*yaml.Node {
	out := [][]*yaml.Node{nil}
	for _, ax := range axes {
		var next [][]*yaml.Node
		vals := ax.Values
		if ax.Dist != nil { // int range
			vals = nil
			for v := ax.Dist.Lo; v <= ax.Dist.Hi; v++ {
				vals = append(vals, intNode(int64(v), ax.Dist.Node))
			}
		}
		for _, prefix := range out {
			for _, v := range vals {
				next = append(next, append(append([]*yaml.Node(nil), prefix...), v))
			}
		}
		out = next
	}
	return out
}

// sampleDistinct draws distinct combinations from a large discrete space.
func sampleDistinct(spec *Spec, rng *rng.Rand) [][]*yaml.Node {
	seen := map[string]bool{}
	var out [][]*yaml.Node
	for len(out) < spec.Samples {
		c := sample(spec.Axes, rng)
		var key strings.Builder
		for _, n := range c {
			key.WriteString(yamlx.Marshal(n))
		}
		if !seen[key.String()] {
			seen[key.String()] = true
			out = append(out, c)
		}
	}
	return out
}

func sample(axes Axes, rng *rng.Rand) []*yaml.Node {
	c := make([]*yaml.Node, len(axes))
	for i, ax := range axes {
		d := ax.Dist
		switch {
		case d == nil:
			c[i] = ax.Values[rng.IntN(len(ax.Values))]
		case d.Kind == "int":
			c[i] = intNode(int64(d.Lo)+int64(rng.IntN(int(d.Hi-d.Lo)+1)), d.Node)
		case d.Kind == "uniform":
			c[i] = floatNode(rng.Uniform(d.Lo, d.Hi), d.Node)
		case d.Kind == "loguniform":
			c[i] = floatNode(rng.LogUniform(d.Lo, d.Hi), d.Node)
		}
	}
	return c
}

func intNode(v int64, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v), Line: at.Line, Column: at.Column}
}

// floatNode writes a sampled value with 6 significant digits, so that trial
// tables stay readable; the stored config holds exactly that value.
func floatNode(v float64, at *yaml.Node) *yaml.Node {
	s := yamlx.FormatFloat(roundSig(v, 6))
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s, Line: at.Line, Column: at.Column}
}

func roundSig(v float64, digits int) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	if err != nil {
		return v
	}
	return f
}

// buildTrial makes one trial's config from the file's nodes.
func buildTrial(doc *yamlx.Doc, base *yaml.Node, spec *Spec, variants []*Variant, combo []*yaml.Node, o config.Options) (*Trial, yamlx.ErrorList) {
	root := doc.Clone(base)
	t := &Trial{}
	r := yamlx.NewReporter(doc)
	if spec != nil {
		for i, ax := range spec.Axes {
			if ax.Path != VariantAxis {
				continue
			}
			for _, v := range variants {
				if v != nil && v.Name == combo[i].Value {
					t.Variant = v.Name
					merge(doc, root, doc.Clone(v.Node))
					nameModel(root, v.Name, combo[i])
				}
			}
			t.Params = append(t.Params, Param{Path: VariantAxis, Value: t.Variant})
		}
		for i, ax := range spec.Axes {
			if ax.Path == VariantAxis {
				continue
			}
			val := doc.Clone(combo[i])
			if err := keypath.Set(root, keypath.MustParse(ax.Path), val); err != nil {
				r.At("sweep.axes."+ax.Path, ax.Key).Errorf("%v", err)
				continue
			}
			stamp(root, ax.Key)
			v, _ := yamlx.Value(yamlx.NewReporter(doc).At("", val))
			t.Params = append(t.Params, Param{Path: ax.Path, Value: v})
		}
	}
	axisErrs := r.Errors()
	cfg, err := config.FromDoc(doc.Derive(root), o)
	var errs yamlx.ErrorList
	if errors.As(err, &errs) || len(axisErrs) > 0 {
		return nil, append(axisErrs, errs...)
	}
	if err != nil {
		return nil, yamlx.ErrorList{{Loc: yamlx.Loc{File: doc.File}, Msg: err.Error()}}
	}
	t.Config = cfg
	return t, nil
}

// merge deep-merges mapping src into mapping dst: mappings merge key by
// key, anything else (lists included) replaces.
func merge(doc *yamlx.Doc, dst, src *yaml.Node) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], yamlx.Resolve(src.Content[i+1])
		_, old := yamlx.MapGet(dst, k.Value)
		if old != nil && old.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
			merge(doc, old, v)
			continue
		}
		replaced := false
		for j := 0; j+1 < len(dst.Content); j += 2 {
			if dst.Content[j].Value == k.Value {
				dst.Content[j+1] = v
				replaced = true
			}
		}
		if !replaced {
			dst.Content = append(dst.Content, k, v)
		}
	}
}

// nameModel names the model after its variant unless the config names it.
func nameModel(root *yaml.Node, name string, at *yaml.Node) {
	_, m := yamlx.MapGet(root, "model")
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	if _, n := yamlx.MapGet(m, "name"); n != nil {
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "name", Line: at.Line, Column: at.Column},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name, Line: at.Line, Column: at.Column})
}

// stamp gives nodes an axis just created (keys on the way to its path) the
// axis's position, so an unknown key in an axis path is reported there.
func stamp(n, at *yaml.Node) {
	if n == nil {
		return
	}
	if n.Line == 0 {
		n.Line, n.Column = at.Line, at.Column
	}
	for _, c := range n.Content {
		stamp(c, at)
	}
}

// inspect builds each distinct model once on its backend and checks its
// shapes; errors are reported at the offending layer.
func (p *Plan) inspect(newBackend func(string) (backends.Backend, error)) yamlx.ErrorList {
	var errs yamlx.ErrorList
	byKey := map[string]*Architecture{}
	cache := map[string]backends.Backend{}
	for _, t := range p.Trials {
		cfg := t.Config
		key := archKey(cfg)
		if a, ok := byKey[key]; ok {
			a.Trials = append(a.Trials, t.Index)
			continue
		}
		be, ok := cache[cfg.Backend]
		if !ok {
			var err error
			be, err = newBackend(cfg.Backend)
			if err != nil {
				r := yamlx.NewReporter(cfg.Source).Field("backend")
				r.Errorf("%v", err)
				errs = append(errs, r.Errors()...)
				continue
			}
			cache[cfg.Backend] = be
		}
		sum, ierrs := model.Inspect(cfg, be)
		errs = append(errs, ierrs...)
		a := &Architecture{Model: cfg.Model.Name, Trials: []int{t.Index}, Summary: sum}
		byKey[key] = a
		p.Architectures = append(p.Architectures, a)
	}
	return errs
}

// archKey identifies a model: its layers, the data's shapes and the loss.
func archKey(cfg *config.Config) string {
	info := cfg.Data.Params.Info()
	node := yamlx.Encode(struct {
		Layers []config.Layer   `yaml:"layers"`
		Shape  []int            `yaml:"shape"`
		Inputs []registry.Input `yaml:"inputs,omitempty"`
		Loss   string           `yaml:"loss"`
	}{cfg.Model.Layers, info.Shape, info.Inputs, cfg.Train.Loss})
	return string(yamlx.CanonicalJSON(node))
}
