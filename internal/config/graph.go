package config

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/keypath"
	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// InputName is the name by which a layer's `inputs` refer to the model's
// input when the data has one (registry.InputName).
const InputName = registry.InputName

// NoSource is where Sources places a name that is neither a layer defined
// before nor one of the data's inputs, and the implicit input of a first
// layer when the data has several inputs (validateGraph reports both).
const NoSource = math.MinInt

// LayerNames returns each layer's name: its own, or Keras-style its type with
// a counter ("dense", "dense_1", …).
func LayerNames(layers []Layer) []string {
	names := make([]string, len(layers))
	count := map[string]int{}
	for i, l := range layers {
		if l.Name != "" {
			names[i] = l.Name
			continue
		}
		k := count[l.Type]
		count[l.Type]++
		names[i] = l.Type
		if k > 0 {
			names[i] = fmt.Sprintf("%s_%d", l.Type, k)
		}
	}
	return names
}

// InputIndices returns Sources for a model of one input, as before data
// had several: -1 stands for the model's input.
func InputIndices(layers []Layer) [][]int { return Sources(layers, nil) }

// Sources returns, for each layer, where its inputs come from: j ≥ 0 is
// the layer at position j, -1-k the data's input k (so -1 is the model's
// only input). A layer takes the inputs its `inputs` key names, or else
// the previous layer (the first: the model's input, NoSource when the data
// has several). ins are the data's inputs (registry.DataInfo.ModelInputs;
// nil: one input named "input"). A name that is neither a layer defined
// before nor an input maps to NoSource.
func Sources(layers []Layer, ins []registry.Input) [][]int {
	names := LayerNames(layers)
	out := make([][]int, len(layers))
	for i, l := range layers {
		switch {
		case len(l.Inputs) == 0 && i == 0 && len(ins) > 1:
			out[i] = []int{NoSource}
		case len(l.Inputs) == 0:
			out[i] = []int{i - 1}
		}
		for _, name := range l.Inputs {
			j := NoSource
			if k := slices.Index(names[:i], name); k >= 0 {
				j = k
			} else if k := InputIndex(ins, name); k >= 0 {
				j = -1 - k
			}
			out[i] = append(out[i], j)
		}
	}
	return out
}

// InputIndex returns the position of the input called name among ins (nil:
// one input named "input"), or -1. With a single input, "input" names it
// too.
func InputIndex(ins []registry.Input, name string) int {
	if len(ins) <= 1 && name == InputName {
		return 0
	}
	return slices.IndexFunc(ins, func(in registry.Input) bool { return in.Name == name })
}

// graphInputs are the data's inputs as validateGraph checks layers
// against them.
type graphInputs struct {
	list []registry.Input
	// unknown is true when the data section has errors: its inputs are
	// not known, so names that are no layer's are not reported.
	unknown bool
	// data reports at the data section: an input's name is blamed at
	// its Key there.
	data *yamlx.Reporter
}

// names lists the names layers may give the inputs: each input's, and
// "input" for a single one.
func (g graphInputs) names() []string {
	if len(g.list) <= 1 {
		out := []string{InputName}
		if len(g.list) == 1 && g.list[0].Name != InputName {
			out = append(out, g.list[0].Name)
		}
		return out
	}
	var out []string
	for _, in := range g.list {
		out = append(out, in.Name)
	}
	return out
}

// validateGraph checks the connections between layers: names are unique and
// not "input", every name in `inputs` is a layer defined earlier or one of
// the data's inputs, merge layers get at least two inputs and other layers
// exactly one, and every layer's output but the last is used. With several
// data inputs, the first layer names its inputs, every input is taken by
// some layer, and no input has a layer's name.
func validateGraph(r *yamlx.Reporter, layers []Layer, in graphInputs) {
	names := LayerNames(layers)
	validateInputNames(r, layers, names, in)
	for i, l := range layers {
		lr := r.Index(i)
		if l.Name == InputName {
			lr.Field("name").Errorf("%q names the model's input; choose another name", InputName)
		} else if j := slices.Index(names[:i], names[i]); j >= 0 && l.Name != "" {
			lr.Field("name").Errorf("duplicate layer name %q (model.layers[%d] has it)", names[i], j)
		} else if j >= 0 {
			lr.Errorf("its default name %q is taken by model.layers[%d]; give one of them another name", names[i], j)
		}
		for k, name := range l.Inputs {
			validateInput(lr.Field("inputs").Index(k), names, i, name, in)
		}
		validateArity(lr, l)
	}
	validateUsed(r, layers, names, in)
	validateMasks(r, layers, names, in.list)
}

// validateInputNames reports, when the data has several inputs, a first
// layer that does not name its inputs, and an input named like a layer (at
// the input's key in the data section).
func validateInputNames(r *yamlx.Reporter, layers []Layer, names []string, in graphInputs) {
	if in.unknown {
		return
	}
	if len(in.list) > 1 && len(layers) > 0 && len(layers[0].Inputs) == 0 {
		r.Index(0).Errorf("the data has %d inputs (%s): name the ones this layer takes in inputs:, e.g. inputs: [%s]",
			len(in.list), strings.Join(in.names(), ", "), in.list[0].Name)
	}
	for _, x := range in.list {
		j := slices.Index(names, x.Name)
		if j < 0 || x.Name == InputName {
			continue
		}
		how := "its name"
		if layers[j].Name == "" {
			how = "its default name"
		}
		inputReporter(in.data, x.Key).Errorf("%q is the name of model.layers[%d] (%s, %s): an input may not be named like a layer; rename one of them",
			x.Name, j, layers[j].Type, how)
	}
}

// inputReporter returns a Reporter at key (a key path such as
// "text.columns[1]") under the data section d, or at d for "".
func inputReporter(d *yamlx.Reporter, key string) *yamlx.Reporter {
	p, err := keypath.Parse(key)
	if key == "" || err != nil {
		return d
	}
	for _, seg := range p {
		if seg.IsIndex {
			d = d.Index(seg.Index)
		} else {
			d = d.Field(seg.Key)
		}
	}
	return d
}

// validateInput reports an input name of layer i that is neither a layer
// defined before it nor one of the data's inputs.
func validateInput(r *yamlx.Reporter, names []string, i int, name string, in graphInputs) {
	if slices.Contains(names[:i], name) || InputIndex(in.list, name) >= 0 {
		return
	}
	if j := slices.Index(names, name); j >= 0 {
		r.Errorf("layer %q is used before it is defined (model.layers[%d]); a layer's inputs must come before it", name, j)
		return
	}
	if in.unknown {
		return
	}
	known := append(in.names(), names[:i]...)
	msg := fmt.Sprintf("unknown layer %q (known here: %s)", name, strings.Join(known, ", "))
	if s := suggest.Nearest(name, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	r.Errorf("%s", msg)
}

// validateArity reports a merge layer with fewer than two inputs and any
// other layer with more than one.
func validateArity(r *yamlx.Reporter, l Layer) {
	if l.Spec == nil {
		return
	}
	if c, ok := l.Spec.(registry.InputCounter); ok {
		validateCount(r, l, c)
		return
	}
	_, merge := l.Spec.(registry.MultiInput)
	switch {
	case merge && len(l.Inputs) < 2:
		r.Field("inputs").Errorf("%s merges several layers: list at least two in inputs, e.g. inputs: [a, b]", l.Type)
	case !merge && len(l.Inputs) > 1:
		r.Field("inputs").Errorf("%s takes one input, got %d; merge them first with add, multiply or concat", l.Type, len(l.Inputs))
	}
}

// validateUsed reports each layer but the last whose output no later layer
// takes, and each data input that no layer takes.
func validateUsed(r *yamlx.Reporter, layers []Layer, names []string, in graphInputs) {
	used := make([]bool, len(layers))
	usedIn := make([]bool, len(in.list))
	for _, ins := range Sources(layers, in.list) {
		for _, j := range ins {
			switch {
			case j >= 0:
				used[j] = true
			case j != NoSource && -1-j < len(usedIn):
				usedIn[-1-j] = true
			}
		}
	}
	for i := range len(layers) - 1 {
		if !used[i] {
			r.Index(i).Errorf("the output of layer %q is not used: name it in a later layer's inputs (the last layer is the model's output)", names[i])
		}
	}
	if in.unknown || len(layers) == 0 {
		return
	}
	var unused []string
	for k, x := range in.list {
		if !usedIn[k] {
			name := fmt.Sprintf("%q", x.Name)
			if x.Key != "" {
				name += " (data." + x.Key + ")"
			}
			unused = append(unused, name)
		}
	}
	switch len(unused) {
	case 0:
	case 1:
		r.Errorf("the data's input %s is taken by no layer: name it in a layer's inputs", unused[0])
	default:
		r.Errorf("the data's inputs %s are taken by no layer: name each in a layer's inputs", strings.Join(unused, ", "))
	}
}
