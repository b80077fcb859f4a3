package cpu

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/notimplemented"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Builder implements backends.Builder for the cpu backend.
//
// Every op of backends.StandardOps is either built natively (with a kernel chosen at build time from
// the op parameters and dtypes) or as a "fallback" node, which executes that single op through
// the simplego backend. Ops that simplego doesn't support either return simplego's error.
type Builder struct {
	notimplemented.Builder

	backend  *Backend
	name     string
	compiled bool

	// nodes in creation order, which is a topological order.
	nodes   []*opNode
	inputs  []*opNode
	outputs []*opNode
}

// Compile-time check.
var _ backends.Builder = (*Builder)(nil)

func newBuilder(backend *Backend, name string) *Builder {
	b := &Builder{backend: backend, name: name}
	b.Builder.ErrFn = func(op backends.OpType) error {
		return fmt.Errorf("backend %q: op %s: %w", BackendName, op, notimplemented.NotImplementedError)
	}
	return b
}

// kernelFn executes a single-output node: ins are the input buffers (read-only, unless st.canReuse(j)
// allows taking over ins[j] as the output buffer).
type kernelFn func(st *execState, n *opNode, ins []*Buffer) (*Buffer, error)

// multiKernelFn executes a multi-output node, storing the outputs in outs (len(outs) == len(n.multiShapes)).
type multiKernelFn func(st *execState, n *opNode, ins []*Buffer, outs []*Buffer) error

// opNode is an op in the computation graph of the cpu backend.
type opNode struct {
	idx     int
	opType  backends.OpType
	shape   shapes.Shape
	inputs  []*opNode
	builder *Builder

	// data holds op-specific parameters.
	data any

	// kernel executes single-output nodes.
	kernel kernelFn

	// Multi-output nodes: the node itself has no value, each output is a "select" node.
	multiShapes  []shapes.Shape
	multiOutputs []*opNode
	multiKernel  multiKernelFn
	selectOf     *opNode
	selectIdx    int

	// fallback is set for nodes executed through simplego.
	fallback *fallbackOp

	// bcastStrides is set for Broadcast and BroadcastInDim nodes: for each output axis, the stride in the
	// input (0 for broadcast axes). Consumers can read the input directly instead.
	bcastStrides []int
}

// isMulti returns whether this is a multi-output node.
func (n *opNode) isMulti() bool { return len(n.multiShapes) > 0 }

func (b *Builder) newNode(opType backends.OpType, shape shapes.Shape, kernel kernelFn, inputs ...*opNode) *opNode {
	n := &opNode{
		idx:     len(b.nodes),
		opType:  opType,
		shape:   shape,
		inputs:  slices.Clone(inputs),
		builder: b,
		kernel:  kernel,
	}
	b.nodes = append(b.nodes, n)
	return n
}

func (b *Builder) newMultiNode(opType backends.OpType, outShapes []shapes.Shape, kernel multiKernelFn, inputs ...*opNode) *opNode {
	n := b.newNode(opType, shapes.Invalid(), nil, inputs...)
	n.multiShapes = outShapes
	n.multiKernel = kernel
	n.multiOutputs = make([]*opNode, len(outShapes))
	for i, s := range outShapes {
		sel := b.newNode(opType, s, nil, n)
		sel.selectOf = n
		sel.selectIdx = i
		n.multiOutputs[i] = sel
	}
	return n
}

// Name implements backends.Builder.
func (b *Builder) Name() string { return b.name }

// checkOps converts ops to nodes of this builder.
func (b *Builder) checkOps(opName string, ops ...backends.Op) ([]*opNode, error) {
	if b == nil {
		return nil, fmt.Errorf("%s: nil builder", opName)
	}
	if b.compiled {
		return nil, fmt.Errorf("%s: builder %q already compiled", opName, b.name)
	}
	nodes := make([]*opNode, len(ops))
	for i, op := range ops {
		n, ok := op.(*opNode)
		if !ok || n == nil {
			return nil, fmt.Errorf("%s: input #%d is not a node of the %q backend (got %T)", opName, i, BackendName, op)
		}
		if n.builder != b {
			return nil, fmt.Errorf("%s: input #%d was created by a different builder", opName, i)
		}
		if n.isMulti() {
			return nil, fmt.Errorf("%s: input #%d is a multi-output node and can't be used directly", opName, i)
		}
		nodes[i] = n
	}
	return nodes, nil
}

// OpShape implements backends.Builder.
func (b *Builder) OpShape(op backends.Op) (shapes.Shape, error) {
	nodes, err := b.checkOps("OpShape", op)
	if err != nil {
		return shapes.Invalid(), err
	}
	return nodes[0].shape, nil
}

type parameterData struct {
	name     string
	inputIdx int
}

// Parameter implements backends.Builder.
func (b *Builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if _, err := b.checkOps("Parameter"); err != nil {
		return nil, err
	}
	if sharding != nil {
		return nil, fmt.Errorf("backend %q: sharding not supported: %w", BackendName, notimplemented.NotImplementedError)
	}
	if !shape.Ok() || shape.IsTuple() {
		return nil, fmt.Errorf("Parameter %q: invalid shape %s", name, shape)
	}
	if !supportedDType(shape.DType) {
		return nil, fmt.Errorf("Parameter %q: dtype %s not supported by backend %q", name, shape.DType, BackendName)
	}
	n := b.newNode(backends.OpTypeParameter, shape.Clone(), nil)
	n.data = &parameterData{name: name, inputIdx: len(b.inputs)}
	b.inputs = append(b.inputs, n)
	return n, nil
}

// supportedDType reports whether the dtype can be stored in a buffer: the same set as simplego.
func supportedDType(dtype dtypes.DType) bool {
	return capabilitiesDTypes[dtype]
}

var capabilitiesDTypes = simplego.Capabilities.DTypes

// Constant implements backends.Builder.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	if _, err := b.checkOps("Constant"); err != nil {
		return nil, err
	}
	if flat == nil || reflect.TypeOf(flat).Kind() != reflect.Slice {
		return nil, fmt.Errorf("Constant: flat must be a slice, got %T", flat)
	}
	dtype := dtypes.FromGoType(reflect.TypeOf(flat).Elem())
	if dtype == dtypes.InvalidDType || !supportedDType(dtype) {
		return nil, fmt.Errorf("Constant: unsupported flat type %T", flat)
	}
	shape := shapes.Make(dtype, dims...)
	if n := reflect.ValueOf(flat).Len(); n != shape.Size() {
		return nil, fmt.Errorf("Constant: flat has %d elements, shape %s needs %d", n, shape, shape.Size())
	}
	// Copy the values: the caller may reuse its slice.
	buf := &Buffer{shape: shape, flat: makeFlat(dtype, shape.Size()), valid: true}
	copyFlat(buf.flat, flat)
	n := b.newNode(backends.OpTypeConstant, shape, nil)
	n.data = buf
	return n, nil
}

// Compile implements backends.Builder.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if len(shardings) != 0 {
		return nil, fmt.Errorf("backend %q: sharding not supported", BackendName)
	}
	nodes, err := b.checkOps("Compile", outputs...)
	if err != nil {
		return nil, err
	}
	b.outputs = nodes
	b.compiled = true
	return newExecutable(b)
}

// DistributedSPMD implements backends.Builder: only one device is supported.
func (b *Builder) DistributedSPMD(numDevices int) error {
	if numDevices == 1 {
		return nil
	}
	return fmt.Errorf("backend %q: distributed execution not supported", BackendName)
}

// DistributedAutoSharding implements backends.Builder: not supported.
func (b *Builder) DistributedAutoSharding(meshes ...backends.Mesh) error {
	return fmt.Errorf("backend %q: distributed execution not supported", BackendName)
}

// DeviceAssignment implements backends.Builder: only device 0 is supported.
func (b *Builder) DeviceAssignment(devices ...backends.DeviceNum) error {
	if len(devices) == 1 && devices[0] == 0 {
		return nil
	}
	return fmt.Errorf("backend %q: only device 0 is supported, got %v", BackendName, devices)
}
