package onnx

import (
	"fmt"
	"reflect"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// intAttr returns an INT attribute, def when absent.
func (n *node) intAttr(name string, def int) int {
	if a, ok := n.attrs[name]; ok {
		if a.kind != "INT" {
			fail("attribute %s is %s, want INT", name, a.kind)
		}
		return int(a.i)
	}
	return def
}

// intsAttr returns an INTS attribute, def when absent.
func (n *node) intsAttr(name string, def []int) []int {
	a, ok := n.attrs[name]
	if !ok {
		return def
	}
	if a.kind != "INTS" {
		fail("attribute %s is %s, want INTS", name, a.kind)
	}
	out := make([]int, len(a.ints))
	for i, v := range a.ints {
		out[i] = int(v)
	}
	return out
}

// floatAttr returns a FLOAT attribute, def when absent.
func (n *node) floatAttr(name string, def float32) float32 {
	if a, ok := n.attrs[name]; ok {
		if a.kind != "FLOAT" {
			fail("attribute %s is %s, want FLOAT", name, a.kind)
		}
		return a.f
	}
	return def
}

// stringAttr returns a STRING attribute, def when absent.
func (n *node) stringAttr(name, def string) string {
	if a, ok := n.attrs[name]; ok {
		if a.kind != "STRING" {
			fail("attribute %s is %s, want STRING", name, a.kind)
		}
		return a.s
	}
	return def
}

// has reports whether input i is given.
func has(in []value, i int) bool { return i < len(in) && in[i].n != nil }

// static returns the value of input i, which must be known when the graph
// is built (a constant, or computed from constants and shapes).
func static(in []value, i int, what string) *tensors.Tensor {
	if !has(in, i) {
		fail("%s is missing", what)
	}
	if in[i].n.Type() != graph.NodeTypeConstant {
		fail("%s must be a constant (known when the graph is built), it is computed from the data", what)
	}
	return in[i].n.ConstantValue()
}

// staticInts returns input i's values as ints.
func staticInts(in []value, i int, what string) []int {
	return tensorInts(static(in, i, what))
}

// staticFloats returns input i's values as float64s.
func staticFloats(in []value, i int, what string) []float64 {
	t := static(in, i, what)
	var out []float64
	err := t.ConstFlatData(func(flat any) {
		v := reflect.ValueOf(flat)
		out = make([]float64, v.Len())
		for k := range out {
			out[k] = v.Index(k).Convert(reflect.TypeOf(float64(0))).Float()
		}
	})
	if err != nil {
		fail("%s: %v", what, err)
	}
	return out
}

// tensorInts returns an integer tensor's values as ints.
func tensorInts(t *tensors.Tensor) []int {
	if !t.DType().IsInt() {
		fail("want an integer tensor, got %s", t.Shape())
	}
	var out []int
	err := t.ConstFlatData(func(flat any) {
		v := reflect.ValueOf(flat)
		out = make([]int, v.Len())
		for k := range out {
			out[k] = int(v.Index(k).Convert(reflect.TypeOf(int64(0))).Int())
		}
	})
	if err != nil {
		fail("%v", err)
	}
	return out
}

// ones returns n ones.
func ones(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

// normAxis maps a possibly negative axis to [0, rank).
func normAxis(axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		fail("axis %d out of range for rank %d", axis, rank)
	}
	return axis
}

// tryCatch runs fn and returns the panic it raised, if any, as an error:
// GoMLX and onnx-gomlx report graph-building errors by panicking.
func tryCatch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	fn()
	return nil
}
