package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// InputName is the name by which a layer's `inputs` refer to the model's input.
const InputName = "input"

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

// InputIndices returns, for each layer, the positions of the layers it takes
// as input, -1 standing for the model's input: the layers named in its
// `inputs`, or else the previous layer. A name that is unknown or not yet
// defined maps to -2 (validateGraph reports it).
func InputIndices(layers []Layer) [][]int {
	names := LayerNames(layers)
	out := make([][]int, len(layers))
	for i, l := range layers {
		if len(l.Inputs) == 0 {
			out[i] = []int{i - 1}
			continue
		}
		for _, name := range l.Inputs {
			j := -2
			if name == InputName {
				j = -1
			} else if k := slices.Index(names[:i], name); k >= 0 {
				j = k
			}
			out[i] = append(out[i], j)
		}
	}
	return out
}

// validateGraph checks the connections between layers: names are unique and
// not "input", every name in `inputs` is a layer defined earlier (or the
// model's input), merge layers get at least two inputs and other layers
// exactly one, and every layer's output but the last is used.
func validateGraph(r *yamlx.Reporter, layers []Layer) {
	names := LayerNames(layers)
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
			validateInput(lr.Field("inputs").Index(k), names, i, name)
		}
		validateArity(lr, l)
	}
	validateUsed(r, layers, names)
	validateMasks(r, layers, names)
}

// validateInput reports an input name of layer i that is not a layer defined
// before it.
func validateInput(r *yamlx.Reporter, names []string, i int, name string) {
	if name == InputName || slices.Contains(names[:i], name) {
		return
	}
	if j := slices.Index(names, name); j >= 0 {
		r.Errorf("layer %q is used before it is defined (model.layers[%d]); a layer's inputs must come before it", name, j)
		return
	}
	known := append([]string{InputName}, names[:i]...)
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
// takes.
func validateUsed(r *yamlx.Reporter, layers []Layer, names []string) {
	used := make([]bool, len(layers))
	for _, ins := range InputIndices(layers) {
		for _, j := range ins {
			if j >= 0 {
				used[j] = true
			}
		}
	}
	for i := range len(layers) - 1 {
		if !used[i] {
			r.Index(i).Errorf("the output of layer %q is not used: name it in a later layer's inputs (the last layer is the model's output)", names[i])
		}
	}
}
