package cpu

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// fallbackOp is a single op compiled on the simplego backend, used for ops (or dtypes, or op
// configurations) that the cpu backend doesn't implement natively.
type fallbackOp struct {
	exec      backends.Executable
	outShapes []shapes.Shape
}

// fallbackBuildFn builds the op on the simplego builder sb, given its parameters.
type fallbackBuildFn func(sb backends.Builder, params []backends.Op) ([]backends.Op, error)

// one adapts a single-output builder call to a fallbackBuildFn result.
func one(op backends.Op, err error) ([]backends.Op, error) {
	if err != nil {
		return nil, err
	}
	return []backends.Op{op}, nil
}

// addFallback creates a node that executes the op built by fn through simplego.
// It returns the single output node, or the multi-output node (whose multiOutputs are the outputs).
// Shape inference and validation are simplego's: any error building the op there is returned.
func (b *Builder) addFallback(opType backends.OpType, inputs []*opNode, fn fallbackBuildFn) (*opNode, error) {
	sgBackend, err := b.backend.fallbackBackend()
	if err != nil {
		return nil, fmt.Errorf("backend %q: can't create simplego fallback backend for %s: %w", BackendName, opType, err)
	}
	sb := sgBackend.Builder(fmt.Sprintf("%s/%s#%d", b.name, opType, len(b.nodes)))
	params := make([]backends.Op, len(inputs))
	for i, in := range inputs {
		params[i], err = sb.Parameter(fmt.Sprintf("p%d", i), in.shape, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opType, err)
		}
	}
	outs, err := fn(sb, params)
	if err != nil {
		return nil, err
	}
	fb := &fallbackOp{outShapes: make([]shapes.Shape, len(outs))}
	for i, o := range outs {
		fb.outShapes[i], err = sb.OpShape(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opType, err)
		}
	}
	// simplego refuses an output that is directly a parameter (e.g. a no-op): wrap those in Identity.
	for i, o := range outs {
		for _, p := range params {
			if o == p {
				if outs[i], err = sb.Identity(o); err != nil {
					return nil, fmt.Errorf("%s: %w", opType, err)
				}
			}
		}
	}
	fb.exec, err = sb.Compile(outs, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opType, err)
	}
	var n *opNode
	if len(outs) == 1 {
		n = b.newNode(opType, fb.outShapes[0], execFallbackSingle, inputs...)
	} else {
		n = b.newMultiNode(opType, fb.outShapes, execFallbackMulti, inputs...)
	}
	n.fallback = fb
	return n, nil
}

func (b *Builder) fallback1(opType backends.OpType, inputs []*opNode, fn fallbackBuildFn) (backends.Op, error) {
	n, err := b.addFallback(opType, inputs, fn)
	if err != nil {
		return nil, err
	}
	if n.isMulti() {
		return nil, fmt.Errorf("%s: fallback returned %d outputs, expected 1", opType, len(n.multiShapes))
	}
	return n, nil
}

func runFallback(st *execState, n *opNode, ins []*Buffer, outs []*Buffer) error {
	sg, err := st.b.fallbackBackend()
	if err != nil {
		return err
	}
	sgIns := make([]backends.Buffer, len(ins))
	donate := make([]bool, len(ins))
	for i, in := range ins {
		sgIns[i], err = sg.BufferFromFlatData(0, in.flat, in.shape)
		if err != nil {
			return err
		}
		donate[i] = true
	}
	sgOuts, err := n.fallback.exec.Execute(sgIns, donate, 0)
	if err != nil {
		return err
	}
	for i, o := range sgOuts {
		buf := st.newBuf(n.fallback.outShapes[i])
		if err = sg.BufferToFlatData(o, buf.flat); err != nil {
			return err
		}
		_ = sg.BufferFinalize(o)
		outs[i] = buf
	}
	return nil
}

func execFallbackSingle(st *execState, n *opNode, ins []*Buffer) (*Buffer, error) {
	var outs [1]*Buffer
	if err := runFallback(st, n, ins, outs[:]); err != nil {
		return nil, err
	}
	return outs[0], nil
}

func execFallbackMulti(st *execState, n *opNode, ins []*Buffer, outs []*Buffer) error {
	return runFallback(st, n, ins, outs)
}
