package registry

import (
	"fmt"
	"slices"
)

// InputName is the name by which a layer's `inputs:` refer to the model's
// input when the data has one: the only input of DataInfo.Shape, or the
// single entry of DataInfo.Inputs, whatever its own name.
const InputName = "input"

// DType is the element type of a model input's values.
type DType string

// The input element types.
const (
	Float32 DType = "float32" // features, pixels, arrays: the default
	Int32   DType = "int32"   // token ids
)

// Input describes one named model input: what a dataset with several
// inputs, or with token ids, lists in DataInfo.Inputs. A layer takes it by
// naming it in its `inputs:` key.
type Input struct {
	// Name is how layers' `inputs:` name it: unique, not "input" when the
	// data has several inputs, and not a layer's name.
	Name string `json:"name"`
	// Shape is one example's shape, e.g. [128] for a text column of 128 ids.
	Shape []int `json:"shape"`
	// DType is Float32 ("" reads as Float32) or Int32.
	DType DType `json:"dtype"`
	// Vocabulary is, for Int32 token ids, the number of distinct ids (they
	// lie in [0, Vocabulary)): the default input_dim of an embedding fed by
	// the input, and its least. 0 when not known.
	Vocabulary int `json:"vocabulary,omitempty"`
	// Key is the key of the data section that names the input (e.g.
	// "text.columns[1]"): config errors about its name are reported there.
	// "" reports them at the data section. It is not stored.
	Key string `json:"-"`
}

// Type is in.DType, with "" read as Float32.
func (in Input) Type() DType {
	if in.DType == "" {
		return Float32
	}
	return in.DType
}

// Size is the number of values of one example: the product of Shape.
func (in Input) Size() int { return DataInfo{Shape: in.Shape}.ExampleSize() }

// InputValues are one named input's values for the N examples of an
// Examples: F32 for a Float32 input, I32 for an Int32 one, N × Size()
// values row-major; the other slice is nil.
type InputValues struct {
	Input
	F32 []float32
	I32 []int32
}

// ModelInputs returns the model's inputs in order: Inputs when the dataset
// lists them, else the single Float32 input of Shape, named InputName.
func (i DataInfo) ModelInputs() []Input {
	if len(i.Inputs) > 0 {
		return i.Inputs
	}
	return []Input{{Name: InputName, Shape: i.Shape, DType: Float32}}
}

// ModelInputs describes the examples' inputs: those of Inputs, or the
// single Float32 input of Shape, named InputName, that X or Pixels holds.
func (s *Examples) ModelInputs() []Input {
	if len(s.Inputs) == 0 {
		return DataInfo{Shape: s.Shape}.ModelInputs()
	}
	out := make([]Input, len(s.Inputs))
	for k, in := range s.Inputs {
		out[k] = in.Input
	}
	return out
}

// NumInputs is the number of model inputs the examples hold: len(Inputs),
// or 1 for X or Pixels.
func (s *Examples) NumInputs() int {
	if len(s.Inputs) > 0 {
		return len(s.Inputs)
	}
	return 1
}

// GatherInput copies input k of examples idx into f32 (a Float32 input) or
// i32 (an Int32 one), len(idx) × the input's size each; the other may be
// nil. Input 0 of examples with X or Pixels is those values, as Gather
// copies them.
func (s *Examples) GatherInput(k int, idx []int, f32 []float32, i32 []int32) {
	if len(s.Inputs) == 0 {
		if k != 0 {
			panic(fmt.Sprintf("registry: GatherInput(%d) of examples with one input", k))
		}
		s.gatherX(idx, f32)
		return
	}
	in := s.Inputs[k]
	es := in.Size()
	for i, j := range idx {
		if in.I32 != nil {
			copy(i32[i*es:(i+1)*es], in.I32[j*es:(j+1)*es])
		} else {
			copy(f32[i*es:(i+1)*es], in.F32[j*es:(j+1)*es])
		}
	}
}

// GatherLabels copies the labels or targets of examples idx, whichever s
// has, into labels or targets.
func (s *Examples) GatherLabels(idx []int, labels []int32, targets []float32) {
	td := s.TargetDim()
	for i, j := range idx {
		if s.Labels != nil {
			labels[i] = s.Labels[j]
		}
		if s.Targets != nil {
			copy(targets[i*td:(i+1)*td], s.Targets[j*td:(j+1)*td])
		}
	}
}

// sliceInputs returns examples [from, to) of each input, sharing memory.
func sliceInputs(ins []InputValues, from, to int) []InputValues {
	if ins == nil {
		return nil
	}
	out := make([]InputValues, len(ins))
	for k, in := range ins {
		es := in.Size()
		out[k] = InputValues{Input: in.Input}
		if in.I32 != nil {
			out[k].I32 = in.I32[from*es : to*es]
		} else {
			out[k].F32 = in.F32[from*es : to*es]
		}
	}
	return out
}

// selectInputs copies examples idx of each input into new memory.
func selectInputs(ins []InputValues, idx []int) []InputValues {
	if ins == nil {
		return nil
	}
	out := make([]InputValues, len(ins))
	for k, in := range ins {
		out[k] = InputValues{Input: in.Input}
		if in.I32 != nil {
			out[k].I32 = make([]int32, len(idx)*in.Size())
			gatherRows(out[k].I32, in.I32, idx, in.Size())
		} else {
			out[k].F32 = make([]float32, len(idx)*in.Size())
			gatherRows(out[k].F32, in.F32, idx, in.Size())
		}
	}
	return out
}

// gatherRows copies rows idx of src (rows of n values) into dst.
func gatherRows[T any](dst, src []T, idx []int, n int) {
	for i, j := range idx {
		copy(dst[i*n:(i+1)*n], src[j*n:(j+1)*n])
	}
}

// inputBytes is the memory the inputs' values take, 4 bytes each.
func inputBytes(ins []InputValues) int64 {
	var n int64
	for _, in := range ins {
		n += 4 * int64(len(in.F32)+len(in.I32))
	}
	return n
}

// SameInputs reports whether a and b list the same inputs: names, shapes
// and element types (Vocabulary and Key aside).
func SameInputs(a, b []Input) bool {
	return slices.EqualFunc(a, b, func(x, y Input) bool {
		return x.Name == y.Name && slices.Equal(x.Shape, y.Shape) && x.Type() == y.Type()
	})
}
