package cpu

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Parameters available to the completeness tests, by position.
const (
	pX      = iota // float32 [3,4] in [-2, 2)
	pY             // float32 [3,4] in [0.5, 2)
	pI             // int32 [3,4] in [1, 50)
	pB             // bool [3,4]
	pV             // float32 [4]
	pIdx           // int32 [2,1] in [0, 3)
	pRNG           // uint64 [3]
	pImage         // float32 [2,5,5,3]
	pKernel        // float32 [3,3,3,4]
	numCompletenessParams
)

func completenessInputs() []*completenessInput {
	return []*completenessInput{
		{dtypes.Float32, []int{3, 4}, -2, 2},
		{dtypes.Float32, []int{3, 4}, 0.5, 2},
		{dtypes.Int32, []int{3, 4}, 1, 50},
		{dtypes.Bool, []int{3, 4}, 0, 1},
		{dtypes.Float32, []int{4}, -2, 2},
		{dtypes.Int32, []int{2, 1}, 0, 3},
		{dtypes.Uint64, []int{3}, 0, 1e9},
		{dtypes.Float32, []int{2, 5, 5, 3}, -1, 1},
		{dtypes.Float32, []int{3, 3, 3, 4}, -1, 1},
	}
}

type completenessInput struct {
	dtype  dtypes.DType
	dims   []int
	lo, hi float64
}

type opBuilder func(b backends.Builder, p []backends.Op) ([]backends.Op, error)

func single(op backends.Op, err error) ([]backends.Op, error) { return one(op, err) }

func unaryOn(param int, fn func(backends.Builder, backends.Op) (backends.Op, error)) opBuilder {
	return func(b backends.Builder, p []backends.Op) ([]backends.Op, error) { return single(fn(b, p[param])) }
}

func binaryOn(l, r int, fn func(backends.Builder, backends.Op, backends.Op) (backends.Op, error)) opBuilder {
	return func(b backends.Builder, p []backends.Op) ([]backends.Op, error) { return single(fn(b, p[l], p[r])) }
}

// completenessOps has, for every op simplego supports, a small computation using it.
var completenessOps = map[backends.OpType]opBuilder{
	backends.OpTypeParameter: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Identity(p[pX]))
	},
	backends.OpTypeConstant: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Constant([]int64{1, 2, 3}, 3))
	},
	backends.OpTypeAbs:        unaryOn(pX, backends.Builder.Abs),
	backends.OpTypeBitCount:   unaryOn(pI, backends.Builder.BitCount),
	backends.OpTypeBitwiseNot: unaryOn(pI, backends.Builder.BitwiseNot),
	backends.OpTypeCeil:       unaryOn(pX, backends.Builder.Ceil),
	backends.OpTypeClz:        unaryOn(pI, backends.Builder.Clz),
	backends.OpTypeCos:        unaryOn(pX, backends.Builder.Cos),
	backends.OpTypeErf:        unaryOn(pX, backends.Builder.Erf),
	backends.OpTypeExp:        unaryOn(pX, backends.Builder.Exp),
	backends.OpTypeExpm1:      unaryOn(pX, backends.Builder.Expm1),
	backends.OpTypeFloor:      unaryOn(pX, backends.Builder.Floor),
	backends.OpTypeIsFinite:   unaryOn(pX, backends.Builder.IsFinite),
	backends.OpTypeIsNaN:      unaryOn(pX, backends.Builder.IsNaN),
	backends.OpTypeLog1p:      unaryOn(pY, backends.Builder.Log1p),
	backends.OpTypeLog:        unaryOn(pY, backends.Builder.Log),
	backends.OpTypeLogicalNot: unaryOn(pB, backends.Builder.LogicalNot),
	backends.OpTypeLogistic:   unaryOn(pX, backends.Builder.Logistic),
	backends.OpTypeNeg:        unaryOn(pX, backends.Builder.Neg),
	backends.OpTypeRound:      unaryOn(pX, backends.Builder.Round),
	backends.OpTypeRsqrt:      unaryOn(pY, backends.Builder.Rsqrt),
	backends.OpTypeSign:       unaryOn(pX, backends.Builder.Sign),
	backends.OpTypeSin:        unaryOn(pX, backends.Builder.Sin),
	backends.OpTypeSqrt:       unaryOn(pY, backends.Builder.Sqrt),
	backends.OpTypeTanh:       unaryOn(pX, backends.Builder.Tanh),

	backends.OpTypeAdd:            binaryOn(pX, pY, backends.Builder.Add),
	backends.OpTypeBitwiseAnd:     binaryOn(pI, pI, backends.Builder.BitwiseAnd),
	backends.OpTypeBitwiseOr:      binaryOn(pI, pI, backends.Builder.BitwiseOr),
	backends.OpTypeBitwiseXor:     binaryOn(pI, pI, backends.Builder.BitwiseXor),
	backends.OpTypeDiv:            binaryOn(pX, pY, backends.Builder.Div),
	backends.OpTypeLogicalAnd:     binaryOn(pB, pB, backends.Builder.LogicalAnd),
	backends.OpTypeLogicalOr:      binaryOn(pB, pB, backends.Builder.LogicalOr),
	backends.OpTypeLogicalXor:     binaryOn(pB, pB, backends.Builder.LogicalXor),
	backends.OpTypeMax:            binaryOn(pX, pY, backends.Builder.Max),
	backends.OpTypeMin:            binaryOn(pX, pY, backends.Builder.Min),
	backends.OpTypeMul:            binaryOn(pX, pY, backends.Builder.Mul),
	backends.OpTypePow:            binaryOn(pY, pX, backends.Builder.Pow),
	backends.OpTypeRem:            binaryOn(pX, pY, backends.Builder.Rem),
	backends.OpTypeSub:            binaryOn(pX, pY, backends.Builder.Sub),
	backends.OpTypeEqual:          binaryOn(pI, pI, backends.Builder.Equal),
	backends.OpTypeNotEqual:       binaryOn(pX, pY, backends.Builder.NotEqual),
	backends.OpTypeGreaterOrEqual: binaryOn(pX, pY, backends.Builder.GreaterOrEqual),
	backends.OpTypeGreaterThan:    binaryOn(pX, pY, backends.Builder.GreaterThan),
	backends.OpTypeLessOrEqual:    binaryOn(pX, pY, backends.Builder.LessOrEqual),
	backends.OpTypeLessThan:       binaryOn(pX, pY, backends.Builder.LessThan),

	backends.OpTypeArgMinMax: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.ArgMinMax(p[pX], 1, dtypes.Int32, false))
	},
	backends.OpTypeBroadcast: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		// Broadcast isn't part of backends.Builder, but both backends have it.
		bb := b.(interface {
			Broadcast(x backends.Op, prefixDims ...int) (backends.Op, error)
		})
		return single(bb.Broadcast(p[pV], 2))
	},
	backends.OpTypeBroadcastInDim: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.BroadcastInDim(p[pV], shapes.Make(dtypes.Float32, 3, 4), []int{1}))
	},
	backends.OpTypeConcatenate: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Concatenate(0, p[pX], p[pY]))
	},
	backends.OpTypeConvertDType: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.ConvertDType(p[pX], dtypes.Int64))
	},
	backends.OpTypeDot: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Dot(p[pX], p[pV]))
	},
	backends.OpTypeDotGeneral: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.DotGeneral(p[pX], []int{1}, nil, p[pY], []int{1}, nil))
	},
	backends.OpTypeGather: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Gather(p[pX], p[pIdx], 1, []int{1}, []int{0}, []int{0}, []int{1, 4}, false))
	},
	backends.OpTypeIdentity: unaryOn(pX, backends.Builder.Identity),
	backends.OpTypeIota: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Iota(shapes.Make(dtypes.Float32, 3, 4), 1))
	},
	backends.OpTypeReduceBitwiseAnd: reduceOn(pI, backends.Builder.ReduceBitwiseAnd),
	backends.OpTypeReduceBitwiseOr:  reduceOn(pI, backends.Builder.ReduceBitwiseOr),
	backends.OpTypeReduceBitwiseXor: reduceOn(pI, backends.Builder.ReduceBitwiseXor),
	backends.OpTypeReduceLogicalAnd: reduceOn(pB, backends.Builder.ReduceLogicalAnd),
	backends.OpTypeReduceLogicalOr:  reduceOn(pB, backends.Builder.ReduceLogicalOr),
	backends.OpTypeReduceLogicalXor: reduceOn(pB, backends.Builder.ReduceLogicalXor),
	backends.OpTypeReduceMax:        reduceOn(pX, backends.Builder.ReduceMax),
	backends.OpTypeReduceMin:        reduceOn(pX, backends.Builder.ReduceMin),
	backends.OpTypeReduceProduct:    reduceOn(pY, backends.Builder.ReduceProduct),
	backends.OpTypeReduceSum:        reduceOn(pX, backends.Builder.ReduceSum),
	backends.OpTypeReduceWindow: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.ReduceWindow(p[pImage], backends.ReduceOpMax, []int{1, 2, 2, 1}, []int{1, 2, 2, 1}, nil, nil, nil))
	},
	backends.OpTypeReshape: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Reshape(p[pX], 2, 6))
	},
	backends.OpTypeRNGBitGenerator: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		_, values, err := b.RNGBitGenerator(p[pRNG], shapes.Make(dtypes.Uint32, 5))
		return []backends.Op{values}, err
	},
	backends.OpTypeScatterMax: scatterOn(backends.Builder.ScatterMax),
	backends.OpTypeScatterMin: scatterOn(backends.Builder.ScatterMin),
	backends.OpTypeScatterSum: scatterOn(backends.Builder.ScatterSum),
	backends.OpTypeSlice: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Slice(p[pX], []int{1, 0}, []int{3, 4}, []int{1, 2}))
	},
	backends.OpTypeTranspose: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Transpose(p[pX], 1, 0))
	},
	backends.OpTypeWhere: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		return single(b.Where(p[pB], p[pX], p[pY]))
	},
	backends.OpTypeConvGeneral: func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		axes := backends.ConvolveAxesConfig{InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
			KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
			OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3}
		return single(b.ConvGeneral(p[pImage], p[pKernel], axes, []int{1, 1}, [][2]int{{1, 1}, {1, 1}}, nil, nil, 1, 1))
	},
}

func reduceOn(param int, fn func(backends.Builder, backends.Op, ...int) (backends.Op, error)) opBuilder {
	return func(b backends.Builder, p []backends.Op) ([]backends.Op, error) { return single(fn(b, p[param], 1)) }
}

func scatterOn(fn func(backends.Builder, backends.Op, backends.Op, backends.Op, int, []int, []int, []int, bool, bool) (backends.Op, error)) opBuilder {
	return func(b backends.Builder, p []backends.Op) ([]backends.Op, error) {
		updates, err := b.Slice(p[pY], []int{0, 0}, []int{2, 4}, []int{1, 1})
		if err != nil {
			return nil, err
		}
		return single(fn(b, p[pX], p[pIdx], updates, 1, []int{1}, []int{0}, []int{0}, false, false))
	}
}

// TestCompleteness checks that every op supported by simplego (its Capabilities) works on the cpu backend, with
// the same results.
func TestCompleteness(t *testing.T) {
	inputs := completenessInputs()
	if len(inputs) != numCompletenessParams {
		t.Fatal("inputs don't match the parameter list")
	}
	for op, ok := range simplego.Capabilities.Operations {
		if !ok {
			continue
		}
		build, found := completenessOps[op]
		if !found {
			t.Errorf("op %s supported by simplego has no completeness test", op)
			continue
		}
		t.Run(op.String(), func(t *testing.T) {
			var results [2][]any
			for bi, backend := range []backends.Backend{goBackend(t), cpuBackend(t)} {
				b := backend.Builder(fmt.Sprintf("completeness-%s", op))
				rng := newRng(uint64(op))
				var params []backends.Op
				var bufs []backends.Buffer
				for i, in := range inputs {
					shape := shapes.Make(in.dtype, in.dims...)
					p, err := b.Parameter(fmt.Sprintf("p%d", i), shape, nil)
					if err != nil {
						t.Fatal(err)
					}
					params = append(params, p)
					tensor := randomTensor(rng, in.dtype, in.lo, in.hi, in.dims...)
					tensor.MustConstFlatData(func(flat any) {
						buf, err := backend.BufferFromFlatData(0, flat, shape)
						if err != nil {
							t.Fatal(err)
						}
						bufs = append(bufs, buf)
					})
				}
				outs, err := build(b, params)
				if err != nil {
					t.Fatalf("%s: building %s: %v", backend.Name(), op, err)
				}
				exec, err := b.Compile(outs, nil)
				if err != nil {
					t.Fatalf("%s: compiling %s: %v", backend.Name(), op, err)
				}
				outBufs, err := exec.Execute(bufs, nil, 0)
				if err != nil {
					t.Fatalf("%s: executing %s: %v", backend.Name(), op, err)
				}
				for _, o := range outBufs {
					shape, _ := backend.BufferShape(o)
					flat := makeFlat(shape.DType, shape.Size())
					if err := backend.BufferToFlatData(o, flat); err != nil {
						t.Fatal(err)
					}
					results[bi] = append(results[bi], flat)
				}
			}
			for i := range results[0] {
				if err := compareFlat(results[0][i], results[1][i], 1e-5); err != nil {
					t.Fatalf("output #%d: %v", i, err)
				}
			}
		})
	}
}
