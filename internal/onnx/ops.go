package onnx

import "github.com/gomlx/gomlx/pkg/core/graph"

// ops are the ops this package converts itself; the others onnx-gomlx
// converts are in delegated.
var ops = map[string]opFunc{}

func init() {
	for name, f := range unaryOps {
		ops[name] = f
	}
	for name, f := range binaryOps {
		ops[name] = f
	}
	for name, f := range map[string]opFunc{
		"Conv":               opConv,
		"ConvTranspose":      opConvTranspose,
		"BatchNormalization": opBatchNorm,
		"MaxPool":            opMaxPool,
		"AveragePool":        opAveragePool,
		"GlobalAveragePool":  globalPool(graph.ReduceMean),
		"GlobalMaxPool":      globalPool(graph.ReduceMax),
		"Gemm":               opGemm,
		"MatMul":             opMatMul,
		"Softmax":            softmax(graph.Softmax),
		"LogSoftmax":         softmax(graph.LogSoftmax),
		"LayerNormalization": opLayerNorm,
		"Resize":             opResize,
		"Dropout":            opDropout,
		"Clip":               opClip,
		"Mean":               opMean,
		"Pow":                opPow,
		"PRelu":              opPRelu,
		"Shape":              opShape,
		"Size":               opSize,
		"Constant":           opConstant,
		"Cast":               opCast,
		"Reshape":            opReshape,
		"Flatten":            opFlatten,
		"Transpose":          opTranspose,
		"Concat":             opConcat,
		"Squeeze":            opSqueeze,
		"Unsqueeze":          opUnsqueeze,
		"ReduceMean":         reduce(graph.ReduceMean, 18),
		"ReduceSum":          reduce(graph.ReduceSum, 13),
		"ReduceMax":          reduce(graph.ReduceMax, 18),
		"ReduceMin":          reduce(graph.ReduceMin, 18),
		"Pad":                opPad,
		"Gather":             opGather,
	} {
		ops[name] = f
	}
}
