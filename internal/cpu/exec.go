package cpu

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Executable implements backends.Executable for the cpu backend.
//
// Nodes are executed sequentially in topological (creation) order. Intermediate buffers come from
// the backend's free list and are returned to it as soon as the last consumer of a node ran; a
// node whose input is owned by the execution (an intermediate result or a donated parameter) and
// that is the input's last consumer may write its output in place of that input.
type Executable struct {
	backend *Backend
	builder *Builder

	steps     []step
	constants []*opNode
	numUses   []int32
	maxInputs int
	maxOuts   int

	mu        sync.Mutex
	states    []*execState
	finalized bool
}

// step is one node to execute, with the node indices of its inputs.
type step struct {
	node     *opNode
	inputIdx []int
	// mult[j] is the number of times inputIdx[j] appears in inputIdx.
	mult []int32
}

// execState holds the per-execution bookkeeping; it is reused across executions.
type execState struct {
	e         *Executable
	b         *Backend
	results   []*Buffer
	owned     []bool
	remaining []int32
	ins       []*Buffer
	reusable  []bool
	outs      []*Buffer
	wg        sync.WaitGroup
	gemm      gemmJob
	im2colJob im2colJob
	ewJob     elementwiseJob
	convJob   convDirectJob
}

// Compile-time check.
var _ backends.Executable = (*Executable)(nil)

func newExecutable(b *Builder) (*Executable, error) {
	e := &Executable{backend: b.backend, builder: b}
	numNodes := len(b.nodes)
	needed := make([]bool, numNodes)
	for _, o := range b.outputs {
		needed[o.idx] = true
	}
	for i := numNodes - 1; i >= 0; i-- {
		if !needed[i] {
			continue
		}
		n := b.nodes[i]
		for _, in := range n.inputs {
			needed[in.idx] = true
		}
		if n.selectOf != nil {
			needed[n.selectOf.idx] = true
		}
	}
	e.numUses = make([]int32, numNodes)
	for i, n := range b.nodes {
		if !needed[i] {
			continue
		}
		switch {
		case n.opType == backends.OpTypeParameter:
			continue
		case n.opType == backends.OpTypeConstant:
			e.constants = append(e.constants, n)
			continue
		case n.selectOf != nil:
			continue
		}
		s := step{node: n, inputIdx: make([]int, len(n.inputs)), mult: make([]int32, len(n.inputs))}
		for j, in := range n.inputs {
			s.inputIdx[j] = in.idx
			e.numUses[in.idx]++
		}
		for j := range s.inputIdx {
			for _, other := range s.inputIdx {
				if other == s.inputIdx[j] {
					s.mult[j]++
				}
			}
		}
		if n.isMulti() {
			e.maxOuts = max(e.maxOuts, len(n.multiShapes))
		} else if n.kernel == nil {
			return nil, fmt.Errorf("backend %q: no kernel for node #%d (%s)", BackendName, n.idx, n.opType)
		}
		e.maxInputs = max(e.maxInputs, len(n.inputs))
		e.steps = append(e.steps, s)
	}
	for _, o := range b.outputs {
		e.numUses[o.idx]++ // Outputs are never released during the execution.
	}
	return e, nil
}

// Finalize implements backends.Executable.
func (e *Executable) Finalize() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.finalized = true
	e.states = nil
}

// Inputs implements backends.Executable.
func (e *Executable) Inputs() (names []string, inputShapes []shapes.Shape) {
	for _, n := range e.builder.inputs {
		names = append(names, n.data.(*parameterData).name)
		inputShapes = append(inputShapes, n.shape)
	}
	return
}

// Outputs implements backends.Executable.
func (e *Executable) Outputs() (outputShapes []shapes.Shape) {
	for _, n := range e.builder.outputs {
		outputShapes = append(outputShapes, n.shape)
	}
	return
}

func (e *Executable) getState() (*execState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.finalized {
		return nil, fmt.Errorf("backend %q: executable already finalized", BackendName)
	}
	if n := len(e.states); n > 0 {
		st := e.states[n-1]
		e.states = e.states[:n-1]
		return st, nil
	}
	numNodes := len(e.builder.nodes)
	return &execState{
		e:         e,
		b:         e.backend,
		results:   make([]*Buffer, numNodes),
		owned:     make([]bool, numNodes),
		remaining: make([]int32, numNodes),
		ins:       make([]*Buffer, e.maxInputs),
		reusable:  make([]bool, e.maxInputs),
		outs:      make([]*Buffer, e.maxOuts),
	}, nil
}

func (e *Executable) putState(st *execState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.finalized {
		e.states = append(e.states, st)
	}
}

// Execute implements backends.Executable.
func (e *Executable) Execute(inputs []backends.Buffer, donate []bool, _ backends.DeviceNum) (outputs []backends.Buffer, err error) {
	b := e.backend
	if b.IsFinalized() {
		return nil, fmt.Errorf("backend %q already finalized", BackendName)
	}
	params := e.builder.inputs
	if len(inputs) != len(params) {
		return nil, fmt.Errorf("Execute(%q): expected %d inputs, got %d", e.builder.name, len(params), len(inputs))
	}
	if len(donate) != 0 && len(donate) != len(inputs) {
		return nil, fmt.Errorf("Execute(%q): %d donate flags for %d inputs", e.builder.name, len(donate), len(inputs))
	}
	for i, input := range inputs {
		buf, ok := input.(*Buffer)
		if !ok || buf == nil {
			return nil, fmt.Errorf("Execute(%q): input #%d is not a %q buffer (%T)", e.builder.name, i, BackendName, input)
		}
		if !buf.valid || buf.flat == nil {
			return nil, fmt.Errorf("Execute(%q): input #%d buffer was already finalized or donated", e.builder.name, i)
		}
		if !buf.shape.Equal(params[i].shape) {
			return nil, fmt.Errorf("Execute(%q): parameter %q (input #%d) expected shape %s, got %s",
				e.builder.name, params[i].data.(*parameterData).name, i, params[i].shape, buf.shape)
		}
	}
	st, err := e.getState()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend %q: panic executing %q: %v\n%s", BackendName, e.builder.name, r, debug.Stack())
			st.releaseAll()
			outputs = nil
		}
		e.putState(st)
	}()

	copy(st.remaining, e.numUses)
	for _, c := range e.constants {
		st.results[c.idx] = c.data.(*Buffer)
		st.owned[c.idx] = false
	}
	for i, p := range params {
		buf := inputs[i].(*Buffer)
		st.results[p.idx] = buf
		owned := len(donate) > 0 && donate[i]
		if owned {
			// A buffer given more than once can't be owned: it may still be read through the other input.
			for j, other := range inputs {
				if j != i && other.(*Buffer) == buf {
					owned = false
					break
				}
			}
		}
		st.owned[p.idx] = owned
	}
	for i := range e.steps {
		if b.profile != nil {
			start := time.Now()
			err = st.runStep(&e.steps[i])
			b.profile.add(e.steps[i].node, time.Since(start))
		} else {
			err = st.runStep(&e.steps[i])
		}
		if err != nil {
			st.releaseAll()
			return nil, err
		}
	}

	outputs = make([]backends.Buffer, len(e.builder.outputs))
	for i, o := range e.builder.outputs {
		buf := st.results[o.idx]
		if buf == nil {
			// Repeated output already handed out: copy it.
			for j := range i {
				if e.builder.outputs[j] == o {
					buf = outputs[j].(*Buffer)
					break
				}
			}
			outputs[i] = b.cloneBuffer(buf)
			continue
		}
		if st.owned[o.idx] {
			outputs[i] = buf
			st.results[o.idx] = nil
			st.owned[o.idx] = false
		} else {
			outputs[i] = b.cloneBuffer(buf)
		}
	}
	st.releaseAll()
	return outputs, nil
}

// releaseAll returns to the pool every buffer still owned by the execution, and clears the references.
func (st *execState) releaseAll() {
	for i, buf := range st.results {
		if buf != nil && st.owned[i] {
			st.b.pool.put(buf)
		}
		st.results[i] = nil
		st.owned[i] = false
	}
	clear(st.ins)
	clear(st.outs)
}

func (st *execState) runStep(s *step) error {
	n := s.node
	ins := st.ins[:len(s.inputIdx)]
	for j, idx := range s.inputIdx {
		ins[j] = st.results[idx]
		if ins[j] == nil {
			return fmt.Errorf("backend %q: input #%d of node #%d (%s) not available", BackendName, j, n.idx, n.opType)
		}
		st.reusable[j] = st.owned[idx] && st.remaining[idx] == s.mult[j]
	}
	if n.isMulti() {
		outs := st.outs[:len(n.multiShapes)]
		clear(outs)
		if err := n.multiKernel(st, n, ins, outs); err != nil {
			return fmt.Errorf("executing %s (node #%d): %w", n.opType, n.idx, err)
		}
		for i, sel := range n.multiOutputs {
			out := outs[i]
			st.markTakeover(s, ins, out)
			if st.e.numUses[sel.idx] == 0 {
				st.b.pool.put(out)
				continue
			}
			st.results[sel.idx] = out
			st.owned[sel.idx] = true
		}
		clear(outs)
	} else {
		out, err := n.kernel(st, n, ins)
		if err != nil {
			return fmt.Errorf("executing %s (node #%d): %w", n.opType, n.idx, err)
		}
		st.markTakeover(s, ins, out)
		st.results[n.idx] = out
		st.owned[n.idx] = true
	}
	for _, idx := range s.inputIdx {
		st.remaining[idx]--
		if st.remaining[idx] == 0 && st.owned[idx] {
			if buf := st.results[idx]; buf != nil {
				st.b.pool.put(buf)
			}
			st.results[idx] = nil
			st.owned[idx] = false
		}
	}
	return nil
}

// markTakeover records that the kernel reused an input buffer as its output.
func (st *execState) markTakeover(s *step, ins []*Buffer, out *Buffer) {
	for j, in := range ins {
		if in == out {
			if !st.reusable[j] {
				panic(fmt.Sprintf("backend %q: kernel of %s (node #%d) reused a non-reusable input #%d",
					BackendName, s.node.opType, s.node.idx, j))
			}
			idx := s.inputIdx[j]
			st.results[idx] = nil
			st.owned[idx] = false
		}
	}
}

// canReuse returns whether the kernel may take over ins[j]'s buffer as its output.
func (st *execState) canReuse(j int) bool { return st.reusable[j] }

// newBuf returns an uninitialized buffer for the shape.
func (st *execState) newBuf(shape shapes.Shape) *Buffer { return st.b.pool.get(shape) }

// outputReusing returns a buffer for the node's output, reusing ins[j] if allowed and of the same
// dtype and size, else a new buffer. The candidates are tried in order.
func (st *execState) outputReusing(n *opNode, ins []*Buffer, candidates ...int) *Buffer {
	for _, j := range candidates {
		if st.reusable[j] && ins[j].shape.DType == n.shape.DType && ins[j].shape.Size() == n.shape.Size() {
			out := ins[j]
			out.shape = n.shape
			return out
		}
	}
	return st.b.pool.get(n.shape)
}

// tmp returns a temporary buffer to be released with st.release.
func (st *execState) tmp(dtype dtypes.DType, size int) *Buffer {
	return st.b.pool.getFlat(dtype, size)
}

// release returns a temporary buffer to the pool.
func (st *execState) release(buf *Buffer) { st.b.pool.put(buf) }
