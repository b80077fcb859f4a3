package config

import (
	"fmt"
	"strings"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// validateMasks follows padding masks through the layer graph as the
// model's forward pass carries them (registry.MaskFlow) and reports, at its
// line, each layer that receives a mask it cannot take.
func validateMasks(r *yamlx.Reporter, layers []Layer, names []string, ins []registry.Input) {
	origin := make([]string, len(layers)) // the layer that made the output's mask; "": none
	for i, src := range Sources(layers, ins) {
		l := layers[i]
		from, via := "", ""
		for _, j := range src {
			if j >= 0 && origin[j] != "" {
				from, via = origin[j], names[j]
				break
			}
		}
		if l.Spec == nil {
			continue
		}
		masked, ok := registry.MaskFlow(l.Spec, from != "")
		switch {
		case !ok:
			has := fmt.Sprintf("its input %q has one (mask_zero: true)", via)
			if via != from {
				has = fmt.Sprintf("its input %q carries the one of %q (mask_zero: true)", via, from)
			}
			r.Index(i).Errorf("%s takes no padding mask, but %s; read it first with one of: %s",
				l.Type, has, strings.Join(maskUsers(), ", "))
		case masked && from != "":
			origin[i] = from
		case masked:
			origin[i] = names[i]
		}
	}
}

// maskUsers returns the registered layer types that read a mask, sorted.
func maskUsers() []string {
	var out []string
	for _, name := range registry.Layers.Names() {
		f, err := registry.Layers.Lookup(name)
		if err != nil {
			continue // Names lists only registered names
		}
		if _, ok := f().(registry.MaskUser); ok {
			out = append(out, name)
		}
	}
	return out
}

// validateCount reports a number of inputs outside what layer l takes.
func validateCount(r *yamlx.Reporter, l Layer, c registry.InputCounter) {
	least, most := c.InputCount()
	n := max(len(l.Inputs), 1)
	switch {
	case n < least:
		r.Field("inputs").Errorf("%s takes at least %d inputs, got %d", l.Type, least, n)
	case most > 0 && n > most:
		r.Field("inputs").Errorf("%s takes at most %d inputs, got %d", l.Type, most, n)
	}
}
