package registry

import "fmt"

// DataInfo describes a dataset's examples without loading them.
type DataInfo struct {
	Shape      []int // per-example input shape, e.g. [28 28 1]; nil when Inputs lists the inputs
	NumClasses int   // number of classes of a classification dataset; 0 for regression
	TargetDim  int   // regression targets per example; 0 for classification
	Validation bool  // the dataset has its own validation examples
	// Inputs lists the model's named inputs, for a dataset with several
	// (a CSV file's text columns and its other features) or with token ids;
	// nil for a dataset with one float32 input of Shape (ModelInputs).
	Inputs []Input `json:",omitempty"`
}

// Classification reports whether examples are labelled with classes.
func (i DataInfo) Classification() bool { return i.NumClasses > 0 }

// ExampleSize is the number of input values per example: the product of
// Shape, or with Inputs the sum of their sizes.
func (i DataInfo) ExampleSize() int {
	if len(i.Inputs) > 0 {
		n := 0
		for _, in := range i.Inputs {
			n += in.Size()
		}
		return n
	}
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// Examples is a set of examples in memory: inputs, and labels or targets.
// A dataset with one float32 input sets X, or Pixels (images: byte v stands
// for float32(v)/255, converted batch by batch), and Shape. A dataset with
// several inputs, or with int32 token ids, sets Inputs instead, one entry
// per DataInfo.Inputs in the same order, and leaves X, Pixels and Shape
// nil. Exactly one of X, Pixels and Inputs is set.
type Examples struct {
	N       int
	Shape   []int     // per-example input shape (X, Pixels)
	X       []float32 // N × prod(Shape) input values, row-major; nil when Pixels or Inputs holds them
	Pixels  []uint8   // N × prod(Shape) bytes, row-major; nil when X or Inputs holds the inputs
	Inputs  []InputValues
	Labels  []int32   // N class labels (classification), else nil
	Targets []float32 // N × TargetDim targets (regression), else nil

	// Augment, when set, fills the inputs of training examples idx in
	// epoch (from 1) into x in place of Gather's plain copy: data
	// augmentation of examples with X or Pixels (it is not called for
	// Inputs). It must be a pure function of its arguments, so that
	// a resumed run sees the same inputs. Slice, Head, Select and copies of the
	// examples drop it; evaluation never uses it.
	Augment func(x []float32, idx []int, epoch int)
}

// ExampleSize is the number of input values per example: the product of
// Shape, or with Inputs the sum of their sizes.
func (s *Examples) ExampleSize() int {
	return DataInfo{Shape: s.Shape, Inputs: s.ModelInputs()}.ExampleSize()
}

// TargetDim is the number of regression targets per example (0 if none).
func (s *Examples) TargetDim() int {
	if s.N == 0 || s.Targets == nil {
		return 0
	}
	return len(s.Targets) / s.N
}

// Slice returns examples [from, to) of s, sharing its memory.
func (s *Examples) Slice(from, to int) *Examples {
	if from < 0 || to > s.N || from > to {
		panic(fmt.Sprintf("registry: Slice(%d, %d) of %d examples", from, to, s.N))
	}
	es, td := s.ExampleSize(), s.TargetDim()
	out := &Examples{N: to - from, Shape: s.Shape, Inputs: sliceInputs(s.Inputs, from, to)}
	switch {
	case s.Inputs != nil:
	case s.Pixels != nil:
		out.Pixels = s.Pixels[from*es : to*es]
	default:
		out.X = s.X[from*es : to*es]
	}
	if s.Labels != nil {
		out.Labels = s.Labels[from:to]
	}
	if s.Targets != nil {
		out.Targets = s.Targets[from*td : to*td]
	}
	return out
}

// Select returns the examples idx of s, in that order, copied into new
// memory.
func (s *Examples) Select(idx []int) *Examples {
	es, td := s.ExampleSize(), s.TargetDim()
	out := &Examples{N: len(idx), Shape: s.Shape, Inputs: selectInputs(s.Inputs, idx)}
	if s.Labels != nil {
		out.Labels = make([]int32, len(idx))
	}
	if s.Targets != nil {
		out.Targets = make([]float32, len(idx)*td)
	}
	switch {
	case s.Inputs != nil:
	case s.Pixels != nil:
		out.Pixels = make([]uint8, len(idx)*es)
		gatherRows(out.Pixels, s.Pixels, idx, es)
	default:
		out.X = make([]float32, len(idx)*es)
		gatherRows(out.X, s.X, idx, es)
	}
	for i, j := range idx {
		if s.Labels != nil {
			out.Labels[i] = s.Labels[j]
		}
		if s.Targets != nil {
			copy(out.Targets[i*td:(i+1)*td], s.Targets[j*td:(j+1)*td])
		}
	}
	return out
}

// Bytes is the memory that the examples' values take: inputs of 1 byte
// (Pixels) or 4 (X, Inputs), labels and targets of 4; 0 for nil examples.
func (s *Examples) Bytes() int64 {
	if s == nil {
		return 0
	}
	return int64(len(s.X))*4 + int64(len(s.Pixels)) + inputBytes(s.Inputs) + int64(len(s.Labels))*4 + int64(len(s.Targets))*4
}

// Head returns the first n examples of s (all of them if n is 0 or more than s holds).
func (s *Examples) Head(n int) *Examples {
	if n <= 0 || n >= s.N {
		return s
	}
	return s.Slice(0, n)
}

// Gather copies the inputs of examples idx into x (len(idx) × ExampleSize,
// as float32) and their labels or targets, whichever s has, into labels or
// targets; the caller reuses the buffers. It is for examples with X or
// Pixels; GatherInput copies any input.
func (s *Examples) Gather(idx []int, x []float32, labels []int32, targets []float32) {
	s.gatherX(idx, x)
	s.GatherLabels(idx, labels, targets)
}

// gatherX copies the X or Pixels inputs of examples idx into x.
func (s *Examples) gatherX(idx []int, x []float32) {
	es := s.ExampleSize()
	for i, j := range idx {
		if s.Pixels != nil {
			dst, src := x[i*es:(i+1)*es], s.Pixels[j*es:(j+1)*es]
			for k, b := range src {
				dst[k] = float32(b) / 255
			}
		} else {
			copy(x[i*es:(i+1)*es], s.X[j*es:(j+1)*es])
		}
	}
}

// Data is a loaded dataset: training examples and, optionally, validation ones.
type Data struct {
	DataInfo
	Name  string
	Train *Examples
	Val   *Examples          // nil when there is no validation data
	Meta  map[string]float64 // facts about the data, e.g. a synthetic set's true parameters
}

// Limit keeps the first trainN training and valN validation examples (0 keeps all).
func (s *Data) Limit(trainN, valN int) {
	s.Train = s.Train.Head(trainN)
	if s.Val != nil {
		s.Val = s.Val.Head(valN)
	}
}

// HoldOut replaces the validation examples by the last fraction frac of the
// training examples, as Keras's validation_split does.
func (s *Data) HoldOut(frac float64) error {
	nVal := int(float64(s.Train.N) * frac)
	if nVal < 1 || nVal >= s.Train.N {
		return fmt.Errorf("validation_split %g of %d training examples leaves %d for validation and %d for training",
			frac, s.Train.N, nVal, s.Train.N-nVal)
	}
	split := s.Train.N - nVal
	s.Val = s.Train.Slice(split, s.Train.N)
	s.Train = s.Train.Slice(0, split)
	return nil
}
