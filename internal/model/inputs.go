package model

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/exp-runner/exp/registry"
)

// FillInputs copies the inputs of examples idx of s into xs, one tensor of
// InputShapes(len(idx)) per model input, float32 or int32 as the input is.
func FillInputs(xs []*tensors.Tensor, s *registry.Examples, idx []int) {
	for k, x := range xs {
		if x.DType() == dtypes.Int32 {
			tensors.MustMutableFlatData(x, func(v []int32) { s.GatherInput(k, idx, nil, v) })
		} else {
			tensors.MustMutableFlatData(x, func(v []float32) { s.GatherInput(k, idx, v, nil) })
		}
	}
}
