package infer

import (
	"fmt"
	"slices"

	"github.com/exp-runner/exp/registry"
)

// concat joins inputs read from several files; an idx labels file labels
// the images before it.
func concat(all []*Inputs) (*Inputs, error) {
	var out *Inputs
	for _, in := range all {
		switch {
		case in.IDName == "labels":
			if out == nil || out.Split.Labels != nil || out.Split.N != in.Split.N {
				return nil, fmt.Errorf("%s: a labels file must follow an images file with as many images (%d labels)", in.IDs[0], in.Split.N)
			}
			out.Split.Labels = in.Split.Labels
		case out == nil:
			out = in
		default:
			if err := out.append(in); err != nil {
				return nil, err
			}
		}
	}
	if out == nil {
		return nil, fmt.Errorf("no examples")
	}
	return out, nil
}

// append adds in's examples after out's.
func (out *Inputs) append(in *Inputs) error {
	a, b := out.Split, in.Split
	if !slices.Equal(a.Shape, b.Shape) || (a.Pixels == nil) != (b.Pixels == nil) || !registry.SameInputs(a.ModelInputs(), b.ModelInputs()) ||
		(a.Labels == nil) != (b.Labels == nil) || (a.Targets == nil) != (b.Targets == nil) || !slices.Equal(out.Columns, in.Columns) {
		return fmt.Errorf("input files of different kinds (%v and %v, with and without labels or columns) cannot be mixed", a.Shape, b.Shape)
	}
	out.Split = &registry.Examples{N: a.N + b.N, Shape: a.Shape, X: append(a.X, b.X...), Pixels: append(a.Pixels, b.Pixels...),
		Inputs: appendInputs(a.Inputs, b.Inputs), Labels: append(a.Labels, b.Labels...), Targets: append(a.Targets, b.Targets...)}
	out.IDs = append(out.IDs, in.IDs...)
	out.Extra = append(out.Extra, in.Extra...)
	return nil
}

// appendInputs returns each input of a followed by the same input of b
// (their lists describe the same inputs), in new memory.
func appendInputs(a, b []registry.InputValues) []registry.InputValues {
	if a == nil {
		return nil
	}
	out := make([]registry.InputValues, len(a))
	for k := range a {
		out[k] = registry.InputValues{Input: a[k].Input}
		if a[k].I32 != nil {
			out[k].I32 = append(slices.Clip(a[k].I32), b[k].I32...)
		} else {
			out[k].F32 = append(slices.Clip(a[k].F32), b[k].F32...)
		}
	}
	return out
}
