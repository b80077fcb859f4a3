package model

import (
	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/registry"
)

// inputTransformer is implemented by image datasets whose inputs the
// model's graph transforms before the first layer, so that the data stay
// bytes and prediction repeats it: data.color_mode rgb (grey images get
// three channels) and data.normalize (per channel, after the [0, 1]
// scaling).
type inputTransformer interface {
	// InputTransform returns whether grey images get three channels, and
	// the per-channel mean and std to normalise by (nil: none).
	InputTransform() (rgb bool, mean, std []float64)
}

// inputTransform is what the graph does to the inputs first.
type inputTransform struct {
	rgb       bool
	mean, std []float64
}

// newInputTransform returns the dataset's input transform (a Frozen
// dataset's too).
func newInputTransform(d registry.Dataset) inputTransform {
	if f, ok := d.(config.Frozen); ok {
		d = f.Dataset
	}
	t, ok := d.(inputTransformer)
	if !ok {
		return inputTransform{}
	}
	var it inputTransform
	it.rgb, it.mean, it.std = t.InputTransform()
	return it
}

// apply returns x transformed: a single channel (last axis of a rank-4
// batch) repeated three times, then (x - mean) / std per channel.
func (it inputTransform) apply(x *graph.Node) *graph.Node {
	if it.rgb && x.Rank() == 4 && x.Shape().Dimensions[3] == 1 {
		x = graph.Concatenate([]*graph.Node{x, x, x}, 3)
	}
	if len(it.mean) == 0 {
		return x
	}
	g, dt := x.Graph(), x.DType()
	shape := make([]int, x.Rank())
	for i := range shape {
		shape[i] = 1
	}
	shape[len(shape)-1] = len(it.mean)
	mean := graph.Reshape(graph.Const(g, it.mean), shape...)
	inv := make([]float64, len(it.std))
	for i, s := range it.std {
		inv[i] = 1 / s
	}
	scale := graph.Reshape(graph.Const(g, inv), shape...)
	return graph.Mul(graph.Sub(x, graph.ConvertDType(mean, dt)), graph.ConvertDType(scale, dt))
}
