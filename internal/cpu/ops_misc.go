package cpu

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Clamp implements backends.Builder, as simplego does: Min(Max(min, x), max).
func (b *Builder) Clamp(minOp, xOp, maxOp backends.Op) (backends.Op, error) {
	clamped, err := b.Max(minOp, xOp)
	if err != nil {
		return nil, fmt.Errorf("Clamp: %w", err)
	}
	clamped, err = b.Min(clamped, maxOp)
	if err != nil {
		return nil, fmt.Errorf("Clamp: %w", err)
	}
	return clamped, nil
}

// IsNaN implements backends.Builder, as simplego does: NotEqual(x, x).
func (b *Builder) IsNaN(x backends.Op) (backends.Op, error) {
	return b.NotEqual(x, x)
}

// Dot implements backends.Builder, as a DotGeneral.
func (b *Builder) Dot(lhsOp, rhsOp backends.Op) (backends.Op, error) {
	nodes, err := b.checkOps("Dot", lhsOp, rhsOp)
	if err != nil {
		return nil, err
	}
	lhs, rhs := nodes[0], nodes[1]
	switch {
	case lhs.shape.Rank() == 1 && rhs.shape.Rank() == 1:
		return b.DotGeneral(lhs, []int{0}, nil, rhs, []int{0}, nil)
	case lhs.shape.Rank() == 2 && rhs.shape.Rank() == 1:
		return b.DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	case lhs.shape.Rank() == 2 && rhs.shape.Rank() == 2:
		return b.DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	}
	return nil, fmt.Errorf("Dot: unsupported ranks %s and %s", lhs.shape, rhs.shape)
}

// BatchNormForInference implements backends.Builder (through simplego).
func (b *Builder) BatchNormForInference(operand, scale, offset, mean, variance backends.Op, epsilon float32, featureAxis int) (backends.Op, error) {
	nodes, err := b.checkOps("BatchNormForInference", operand, scale, offset, mean, variance)
	if err != nil {
		return nil, err
	}
	return b.fallback1(backends.OpTypeBatchNormForInference, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return one(sb.BatchNormForInference(p[0], p[1], p[2], p[3], p[4], epsilon, featureAxis))
	})
}

// BatchNormForTraining implements backends.Builder (through simplego).
func (b *Builder) BatchNormForTraining(operand, scale, offset backends.Op, epsilon float32, featureAxis int) (normalized, batchMean, batchVariance backends.Op, err error) {
	nodes, err := b.checkOps("BatchNormForTraining", operand, scale, offset)
	if err != nil {
		return nil, nil, nil, err
	}
	n, err := b.addFallback(backends.OpTypeBatchNormForTraining, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		o0, o1, o2, err := sb.BatchNormForTraining(p[0], p[1], p[2], epsilon, featureAxis)
		return []backends.Op{o0, o1, o2}, err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return n.multiOutputs[0], n.multiOutputs[1], n.multiOutputs[2], nil
}

// BatchNormGradient implements backends.Builder (through simplego).
func (b *Builder) BatchNormGradient(operand, scale, mean, variance, gradOutput backends.Op, epsilon float32, featureAxis int) (gradOperand, gradScale, gradOffset backends.Op, err error) {
	nodes, err := b.checkOps("BatchNormGradient", operand, scale, mean, variance, gradOutput)
	if err != nil {
		return nil, nil, nil, err
	}
	n, err := b.addFallback(backends.OpTypeBatchNormGradient, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		o0, o1, o2, err := sb.BatchNormGradient(p[0], p[1], p[2], p[3], p[4], epsilon, featureAxis)
		return []backends.Op{o0, o1, o2}, err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return n.multiOutputs[0], n.multiOutputs[1], n.multiOutputs[2], nil
}

// Bitcast implements backends.Builder (through simplego).
func (b *Builder) Bitcast(x backends.Op, targetDType dtypes.DType) (backends.Op, error) {
	nodes, err := b.checkOps("Bitcast", x)
	if err != nil {
		return nil, err
	}
	return b.fallback1(backends.OpTypeBitcast, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return one(sb.Bitcast(p[0], targetDType))
	})
}

// DynamicSlice implements backends.Builder (through simplego).
func (b *Builder) DynamicSlice(operand backends.Op, startIndices []backends.Op, sliceDims []int) (backends.Op, error) {
	nodes, err := b.checkOps("DynamicSlice", append([]backends.Op{operand}, startIndices...)...)
	if err != nil {
		return nil, err
	}
	return b.fallback1(backends.OpTypeDynamicSlice, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return one(sb.DynamicSlice(p[0], p[1:], sliceDims))
	})
}

// DynamicUpdateSlice implements backends.Builder (through simplego).
func (b *Builder) DynamicUpdateSlice(operand, update backends.Op, startIndices []backends.Op) (backends.Op, error) {
	nodes, err := b.checkOps("DynamicUpdateSlice", append([]backends.Op{operand, update}, startIndices...)...)
	if err != nil {
		return nil, err
	}
	return b.fallback1(backends.OpTypeDynamicUpdateSlice, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return one(sb.DynamicUpdateSlice(p[0], p[1], p[2:]))
	})
}

// FFT implements backends.Builder (through simplego).
func (b *Builder) FFT(operand backends.Op, fftType backends.FFTType, fftLength []int) (backends.Op, error) {
	nodes, err := b.checkOps("FFT", operand)
	if err != nil {
		return nil, err
	}
	return b.fallback1(backends.OpTypeFFT, nodes, func(sb backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return one(sb.FFT(p[0], fftType, fftLength))
	})
}
