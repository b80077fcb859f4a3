package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// This file copies what the converter needs out of onnx-gomlx's protobuf
// structures (whose types live in an internal package, so they can be read
// but not named here) into plain structs.

// node is one ONNX node.
type node struct {
	index           int
	name, op        string
	domain          string
	inputs, outputs []string
	attrs           map[string]*attr
}

// label names the node in messages: its name, or its first output when the
// exporter left it unnamed.
func (n *node) label() string {
	if n.name != "" {
		return n.name
	}
	if len(n.outputs) > 0 {
		return n.outputs[0]
	}
	return fmt.Sprintf("#%d", n.index)
}

// input returns the name of input i, "" when absent (optional and omitted).
func (n *node) input(i int) string {
	if i < len(n.inputs) {
		return n.inputs[i]
	}
	return ""
}

// attr is one attribute; kind is the ONNX type name (FLOAT, INT, STRING,
// TENSOR, FLOATS, INTS, STRINGS, GRAPH, ...).
type attr struct {
	kind   string
	f      float32
	i      int64
	s      string
	floats []float32
	ints   []int64
	t      tensorProto
}

// tensorProto is the part of onnx-gomlx's TensorProto the converter reads.
type tensorProto interface {
	GetName() string
	GetDims() []int64
	GetDataType() int32
	GetRawData() []byte
	GetFloatData() []float32
	GetInt32Data() []int32
	GetInt64Data() []int64
	GetDoubleData() []float64
	GetUint64Data() []uint64
}

// initializer is a named tensor stored in the file: a weight or a constant.
type initializer struct {
	name  string
	shape shapes.Shape
	proto tensorProto
	err   error // a dtype exp cannot read, reported when the tensor is used
}

// tensorInfo is a graph input's declared element type and dimensions (-1
// where dynamic).
type tensorInfo struct {
	name  string
	dtype dtypes.DType
	dims  []int
	names []string // dimension parameters ("batch"), "" where fixed
}

// load copies the graph's nodes, initializers, input and outputs.
func (m *Model) load() error {
	g := m.ox.Proto.Graph
	m.inits = make(map[string]*initializer, len(g.Initializer))
	for _, t := range g.Initializer {
		in := &initializer{name: t.Name, proto: t}
		in.shape, in.err = protoShape(t)
		m.inits[t.Name] = in
	}
	m.byOut = map[string]*node{}
	for i, pn := range g.Node {
		n := &node{index: i, name: pn.Name, op: pn.OpType, domain: pn.Domain,
			inputs: pn.Input, outputs: pn.Output, attrs: map[string]*attr{}}
		for _, a := range pn.Attribute {
			at := &attr{kind: a.Type.String(), f: a.F, i: a.I, s: string(a.S), floats: a.Floats, ints: a.Ints}
			if a.T != nil {
				at.t = a.T
			}
			n.attrs[a.Name] = at
		}
		for _, o := range n.outputs {
			if o == "" {
				continue
			}
			if prev, dup := m.byOut[o]; dup {
				return fmt.Errorf("%s: tensor %q is the output of two nodes, %q and %q", m.path, o, prev.label(), n.label())
			}
			m.byOut[o] = n
		}
		m.nodes = append(m.nodes, n)
	}
	for _, o := range g.Output {
		m.output = append(m.output, o.Name)
	}
	var inputs []tensorInfo
	for _, in := range g.Input {
		if _, isInit := m.inits[in.Name]; isInit {
			continue // IR < 4 lists initializers among the inputs
		}
		tt := in.GetType().GetTensorType()
		if tt == nil {
			return fmt.Errorf("%s: input %q is not a tensor", m.path, in.Name)
		}
		info, err := inputInfo(in.Name, tt.ElemType, tt.GetShape().GetDim())
		if err != nil {
			return fmt.Errorf("%s: input %q: %w", m.path, in.Name, err)
		}
		inputs = append(inputs, info)
	}
	if len(inputs) != 1 {
		names := make([]string, len(inputs))
		for i, in := range inputs {
			names[i] = in.name
		}
		return fmt.Errorf("%s: the graph has %d data inputs (%s); an onnx layer takes exactly one", m.path, len(inputs), quoteAll(names))
	}
	m.input = inputs[0]
	if len(m.input.dims) == 0 {
		return fmt.Errorf("%s: input %q is a scalar; an onnx layer takes a batch of examples", m.path, m.input.name)
	}
	m.classifyInitializers()
	return nil
}

// dimension is the part of onnx-gomlx's TensorShapeProto_Dimension read here.
type dimension interface {
	GetDimValue() int64
	GetDimParam() string
}

// inputInfo returns a graph input's declared type and dimensions.
func inputInfo[D dimension](name string, elemType int32, dims []D) (tensorInfo, error) {
	info := tensorInfo{name: name}
	var err error
	if info.dtype, err = onnxDType(elemType); err != nil {
		return info, err
	}
	for _, d := range dims {
		if v := d.GetDimValue(); v > 0 {
			info.dims = append(info.dims, int(v))
			info.names = append(info.names, "")
		} else {
			info.dims = append(info.dims, -1)
			info.names = append(info.names, d.GetDimParam())
		}
	}
	return info, nil
}

// onnxDType maps an ONNX TensorProto.DataType to a GoMLX dtype.
func onnxDType(t int32) (dtypes.DType, error) {
	switch t {
	case 1:
		return dtypes.Float32, nil
	case 2:
		return dtypes.Uint8, nil
	case 3:
		return dtypes.Int8, nil
	case 4:
		return dtypes.Uint16, nil
	case 5:
		return dtypes.Int16, nil
	case 6:
		return dtypes.Int32, nil
	case 7:
		return dtypes.Int64, nil
	case 9:
		return dtypes.Bool, nil
	case 11:
		return dtypes.Float64, nil
	case 12:
		return dtypes.Uint32, nil
	case 13:
		return dtypes.Uint64, nil
	case 10, 16:
		return dtypes.InvalidDType, fmt.Errorf("16-bit floating point tensors are not supported: export the model in float32")
	case 8:
		return dtypes.InvalidDType, fmt.Errorf("string tensors are not supported")
	}
	return dtypes.InvalidDType, fmt.Errorf("ONNX data type %d is not supported", t)
}

// protoShape returns a tensor's shape.
func protoShape(t tensorProto) (shapes.Shape, error) {
	dt, err := onnxDType(t.GetDataType())
	if err != nil {
		return shapes.Shape{}, err
	}
	dims := make([]int, len(t.GetDims()))
	for i, d := range t.GetDims() {
		if d < 0 {
			return shapes.Shape{}, fmt.Errorf("negative dimension %d", d)
		}
		dims[i] = int(d)
	}
	return shapes.Make(dt, dims...), nil
}

// decodeTensor converts a TensorProto's data to a tensor. The data comes
// from raw_data (little-endian) or from the typed field its dtype uses.
func decodeTensor(t tensorProto) (*tensors.Tensor, error) {
	shape, err := protoShape(t)
	if err != nil {
		return nil, err
	}
	out := tensors.FromShape(shape)
	n := shape.Size()
	if raw := t.GetRawData(); raw != nil {
		if len(raw) != int(shape.Memory()) {
			return nil, fmt.Errorf("%s holds %d bytes of data, want %d", shape, len(raw), shape.Memory())
		}
		err := out.MutableBytes(func(b []byte) { copy(b, raw) })
		return out, err
	}
	var fill func(i int) float64
	var fillInt func(i int) int64
	var have int
	switch {
	case len(t.GetFloatData()) > 0:
		d := t.GetFloatData()
		have, fill = len(d), func(i int) float64 { return float64(d[i]) }
	case len(t.GetDoubleData()) > 0:
		d := t.GetDoubleData()
		have, fill = len(d), func(i int) float64 { return d[i] }
	case len(t.GetInt64Data()) > 0:
		d := t.GetInt64Data()
		have, fillInt = len(d), func(i int) int64 { return d[i] }
	case len(t.GetInt32Data()) > 0:
		d := t.GetInt32Data()
		have, fillInt = len(d), func(i int) int64 { return int64(d[i]) }
	case len(t.GetUint64Data()) > 0:
		d := t.GetUint64Data()
		have, fillInt = len(d), func(i int) int64 { return int64(d[i]) }
	default:
		if n == 0 {
			return out, nil
		}
		return nil, fmt.Errorf("%s has no data (external data not loaded?)", shape)
	}
	if have != n {
		return nil, fmt.Errorf("%s holds %d values, want %d", shape, have, n)
	}
	if fill == nil {
		fill = func(i int) float64 { return float64(fillInt(i)) }
	}
	if fillInt == nil {
		fillInt = func(i int) int64 { return int64(fill(i)) }
	}
	var err2 error
	if err := out.MutableBytes(func(b []byte) { err2 = putValues(b, shape.DType, n, fill, fillInt) }); err != nil {
		return nil, err
	}
	return out, err2
}

// putValues writes n values in dtype's little-endian layout.
func putValues(b []byte, dt dtypes.DType, n int, f func(int) float64, i64 func(int) int64) error {
	le := binary.LittleEndian
	for i := range n {
		switch dt {
		case dtypes.Float32:
			le.PutUint32(b[4*i:], math.Float32bits(float32(f(i))))
		case dtypes.Float64:
			le.PutUint64(b[8*i:], math.Float64bits(f(i)))
		case dtypes.Int64, dtypes.Uint64:
			le.PutUint64(b[8*i:], uint64(i64(i)))
		case dtypes.Int32, dtypes.Uint32:
			le.PutUint32(b[4*i:], uint32(i64(i)))
		case dtypes.Int16, dtypes.Uint16:
			le.PutUint16(b[2*i:], uint16(i64(i)))
		case dtypes.Int8, dtypes.Uint8, dtypes.Bool:
			b[i] = byte(i64(i))
		default:
			return fmt.Errorf("dtype %s is not supported", dt)
		}
	}
	return nil
}

// staticInputs lists, per op type, the inputs whose values must be known
// when the graph is built (shapes, axes, pads, scales): an initializer used
// only there is a constant, not a weight.
var staticInputs = map[string][]int{
	"Reshape": {1}, "Slice": {1, 2, 3, 4}, "Squeeze": {1}, "Unsqueeze": {1}, "Pad": {1, 2, 3},
	"Resize": {1, 2, 3}, "Upsample": {1}, "Expand": {1}, "Tile": {1}, "ConstantOfShape": {0},
	"Split": {1}, "ReduceMean": {1}, "ReduceSum": {1}, "ReduceMax": {1}, "ReduceMin": {1},
	"ReduceProd": {1}, "ReduceL2": {1}, "TopK": {1}, "Range": {0, 1, 2}, "OneHot": {1},
	"Clip": {1, 2}, "CumSum": {1}, "Gather": {1},
}

// classifyInitializers sorts the initializers into constants (not floats,
// or only used where a static value is needed), BatchNormalization
// statistics (the running mean and variance, inputs 3 and 4) and the other
// weights. Uses are followed through Identity nodes, which PyTorch adds
// where two weights had equal values when exported.
func (m *Model) classifyInitializers() {
	uses := map[string][]use{}
	for _, n := range m.nodes {
		for i, in := range n.inputs {
			if in != "" {
				uses[in] = append(uses[in], use{n, i})
			}
		}
	}
	m.consts, m.stats, m.storage = map[string]bool{}, map[string]bool{}, map[string][]int{}
	for name, in := range m.inits {
		if in.err != nil || !in.shape.DType.IsFloat() {
			m.consts[name] = true
			continue
		}
		dynamic, stat, kernel := false, true, true
		walkUses(uses, name, map[string]bool{}, func(u use) {
			kernel = kernel && u.n.op == "Conv" && u.input == 1
			isStatic := false
			for _, i := range staticInputs[u.n.op] {
				isStatic = isStatic || i == u.input
			}
			if !isStatic {
				dynamic = true
			}
			if !(u.n.op == "BatchNormalization" && (u.input == 3 || u.input == 4)) {
				stat = false
			}
		})
		switch {
		case !dynamic:
			m.consts[name] = true
		case stat:
			m.stats[name] = true
		case kernel && in.shape.Rank() >= 3:
			m.storage[name] = kernelHWIO(in.shape.Rank())
		}
	}
}

// use is one node input reading a tensor.
type use struct {
	n     *node
	input int
}

// walkUses calls fn for each use of name, following Identity nodes.
func walkUses(uses map[string][]use, name string, seen map[string]bool, fn func(use)) {
	if seen[name] {
		return
	}
	seen[name] = true
	for _, u := range uses[name] {
		if u.n.op == "Identity" && len(u.n.outputs) == 1 {
			walkUses(uses, u.n.outputs[0], seen, fn)
			continue
		}
		fn(u)
	}
}

// permuteTensor returns t transposed: out axis i is t's axis perm[i].
func permuteTensor(t *tensors.Tensor, perm []int) *tensors.Tensor {
	shape := t.Shape()
	dims := shape.Dimensions
	outDims := make([]int, len(perm))
	for i, p := range perm {
		outDims[i] = dims[p]
	}
	out := tensors.FromShape(shapes.Make(shape.DType, outDims...))
	elem := int(shape.DType.Size())
	inStrides := make([]int, len(dims))
	s := 1
	for i := len(dims) - 1; i >= 0; i-- {
		inStrides[i] = s
		s *= dims[i]
	}
	// strides[i]: the input stride of output axis i.
	strides := make([]int, len(perm))
	for i, p := range perm {
		strides[i] = inStrides[p]
	}
	_ = t.ConstBytes(func(src []byte) {
		_ = out.MutableBytes(func(dst []byte) {
			idx := make([]int, len(outDims))
			for o := 0; o < shape.Size(); o++ {
				off := 0
				for i, v := range idx {
					off += v * strides[i]
				}
				copy(dst[o*elem:(o+1)*elem], src[off*elem:(off+1)*elem])
				for i := len(idx) - 1; i >= 0; i-- {
					idx[i]++
					if idx[i] < outDims[i] {
						break
					}
					idx[i] = 0
				}
			}
		})
	})
	return out
}
