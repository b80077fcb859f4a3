package model

import (
	"fmt"
	"slices"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/optim"
	"github.com/exp-runner/exp/registry"
)

// Memory is an estimate, in bytes, of what training a model takes: its
// weights, the gradients and the optimizer's state, the activations of one
// training step at the batch size (every layer's output, and what layers
// such as attention keep besides), and the examples held in memory.
type Memory struct {
	Params      int64 // the weights, float32
	Optimizer   int64 // the gradients and the optimizer's slots
	Activations int64 // every layer's output for one batch and what layers keep besides (attention's scores), and their gradients
	Data        int64 // the training and validation examples
}

// Total returns the sum of the parts.
func (m Memory) Total() int64 { return m.Params + m.Optimizer + m.Activations + m.Data }

// String formats the estimate: "12.3 MB (parameters …, optimizer state …,
// activations …, data …)".
func (m Memory) String() string {
	return fmt.Sprintf("%s (parameters %s, gradients and optimizer state %s, activations %s, data %s)",
		meminfo.Binary(m.Total()), meminfo.Binary(m.Params), meminfo.Binary(m.Optimizer), meminfo.Binary(m.Activations), meminfo.Binary(m.Data))
}

// EstimateMemory estimates the memory of training cfg's model, summarised
// by sum, on set (nil: no data counted). Only trainable weights have
// gradients and optimizer state: frozen ones, until a layer unfreezes
// them, count as parameters alone.
func EstimateMemory(cfg *config.Config, sum *Summary, set *registry.Data) Memory {
	const f32 = 4
	var m Memory
	m.Params = int64(sum.Total) * f32
	trainable := int64(sum.Trainable)
	for _, l := range cfg.Model.Layers {
		if u, ok := l.Spec.(unfreezer); ok {
			trainable += u.UnfrozenParams()
		}
	}
	m.Optimizer = trainable * f32 * int64(1+slots(cfg))
	var perExample int64 // every input is 4 bytes a value, float32 or int32
	for _, in := range sum.Inputs {
		perExample += int64(registry.DataInfo{Shape: in.Shape[1:]}.ExampleSize())
	}
	for i, r := range sum.Rows {
		perExample += int64(registry.DataInfo{Shape: r.Output[1:]}.ExampleSize())
		if i < len(cfg.Model.Layers) {
			if a, ok := cfg.Model.Layers[i].Spec.(activationCounter); ok {
				perExample += a.ExtraActivations(inputShapes(sum, r))
			}
		}
	}
	// Each output is kept for the backward pass, which makes its gradient.
	m.Activations = 2 * perExample * int64(cfg.Train.BatchSize) * f32
	if set != nil {
		m.Data = set.Train.Bytes() + set.Val.Bytes()
	}
	return m
}

// activationCounter is implemented by layers that keep for the backward pass
// more values than their output (attention: its scores and probabilities,
// heads × steps × steps per example).
type activationCounter interface {
	// ExtraActivations returns how many values per example the layer keeps
	// besides its output, given its inputs' shapes without the batch axis.
	ExtraActivations(inputs [][]int) int64
}

// unfreezer is implemented by layers whose frozen weights start training
// during a run (registry.Unfreezer): from then on their gradients and
// optimizer state take memory too.
type unfreezer interface {
	// UnfrozenParams returns how many weights start training.
	UnfrozenParams() int64
}

// inputShapes returns the shapes, without the batch axis, of row's inputs.
func inputShapes(sum *Summary, row SummaryRow) [][]int {
	var out [][]int
	for _, name := range row.Inputs {
		if k := slices.IndexFunc(sum.Inputs, func(in SummaryInput) bool { return in.Name == name }); k >= 0 {
			out = append(out, sum.Inputs[k].Shape[1:])
			continue
		}
		if name == config.InputName && len(sum.Inputs) == 1 {
			out = append(out, sum.Inputs[0].Shape[1:])
			continue
		}
		for _, r := range sum.Rows {
			if r.Name == name {
				out = append(out, r.Output[1:])
			}
		}
	}
	return out
}

// slots is the number of values the optimizer keeps per weight.
func slots(cfg *config.Config) int {
	switch o := cfg.Train.Optimizer.Spec.(type) {
	case *optim.Adam:
		return 2 + boolInt(o.AMSGrad)
	case *optim.AdamW:
		return 2 + boolInt(o.AMSGrad)
	case *optim.SGD:
		return boolInt(o.Momentum != 0)
	case *optim.RMSprop:
		return 1 + boolInt(o.Momentum != 0) + boolInt(o.Centered)
	}
	return 2 // an optimizer of a custom build: as Adam
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
