package onnx

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	ox "github.com/gomlx/onnx-gomlx/onnx"

	"github.com/exp-runner/exp/internal/suggest"
)

// Layout is the image layout an ONNX model expects.
type Layout string

// The layouts: what PyTorch exports (channels first) and what TensorFlow
// and exp use (channels last).
const (
	NCHW Layout = "nchw"
	NHWC Layout = "nhwc"
)

// Options choose the part of the model a layer uses and how it is fed.
type Options struct {
	// Output is the tensor to cut the graph at; "" means the graph's only
	// output.
	Output string
	// Layout is the model's image layout; "" means NCHW. With NCHW, a rank-4
	// input (exp's [N, H, W, C] images) is transposed going in and a rank-4
	// output coming out; other ranks pass as they are.
	Layout Layout
}

// OutputError is the error for an Options.Output that names no tensor of
// the graph, or that is empty for a graph of several outputs.
type OutputError struct{ Msg string }

// Error returns the message.
func (e *OutputError) Error() string { return e.Msg }

// target returns the tensor the options cut at.
func (m *Model) target(opts Options) (string, error) {
	if opts.Layout != "" && opts.Layout != NCHW && opts.Layout != NHWC {
		return "", fmt.Errorf("layout %q: want nchw or nhwc", opts.Layout)
	}
	if opts.Output == "" {
		if len(m.output) != 1 {
			return "", &OutputError{fmt.Sprintf("%s: the graph has %d outputs (%s): choose one with output", m.path, len(m.output), quoteAll(m.output))}
		}
		return m.output[0], nil
	}
	if _, ok := m.byOut[opts.Output]; ok || opts.Output == m.input.name {
		return opts.Output, nil
	}
	return "", &OutputError{fmt.Sprintf("%s: output %q: no such tensor; nearest: %s", m.path, opts.Output, quoteAll(m.nearestNames(opts.Output, 5)))}
}

// nearestNames returns the k tensor names nearest to name by edit distance
// (case-insensitive), the closest first.
func (m *Model) nearestNames(name string, k int) []string {
	names := make([]string, 0, len(m.byOut))
	for o := range m.byOut {
		names = append(names, o)
	}
	dist := map[string]int{}
	lname := strings.ToLower(name)
	for _, o := range names {
		dist[o] = suggest.Distance(lname, strings.ToLower(o))
	}
	sort.Slice(names, func(i, j int) bool {
		if dist[names[i]] != dist[names[j]] {
			return dist[names[i]] < dist[names[j]]
		}
		return names[i] < names[j]
	})
	return names[:min(k, len(names))]
}

// quoteAll quotes and joins names.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// order returns the nodes target depends on, each after the nodes
// computing its inputs.
func (m *Model) order(target string) ([]*node, error) {
	state := map[*node]int{} // 1: being visited, 2: done
	var out []*node
	type frame struct {
		n    *node
		next int
	}
	start, ok := m.byOut[target]
	if !ok {
		return nil, nil // the input itself
	}
	stack := []frame{{n: start}}
	state[start] = 1
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next == len(f.n.inputs) {
			state[f.n] = 2
			out = append(out, f.n)
			stack = stack[:len(stack)-1]
			continue
		}
		in := f.n.inputs[f.next]
		f.next++
		p, ok := m.byOut[in]
		if !ok || in == "" {
			continue
		}
		switch state[p] {
		case 1:
			return nil, fmt.Errorf("%s: node %q: the graph has a cycle through tensor %q", m.path, f.n.label(), in)
		case 0:
			state[p] = 1
			stack = append(stack, frame{n: p})
		}
	}
	return out, nil
}

// Validate checks, without building anything, that the options are valid
// and that exp converts every op the cut uses. It reports every unsupported
// node at once: FILE: node "NAME": op TYPE is not supported.
func (m *Model) Validate(opts Options) error {
	target, err := m.target(opts)
	if err != nil {
		return err
	}
	order, err := m.order(target)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range order {
		switch {
		case n.domain != "" && n.domain != "ai.onnx":
			errs = append(errs, fmt.Errorf("%s: node %q: op %s.%s is not supported", m.path, n.label(), n.domain, n.op))
		case !supported(n.op):
			errs = append(errs, fmt.Errorf("%s: node %q: op %s is not supported", m.path, n.label(), n.op))
		}
	}
	return errors.Join(errs...)
}

// fixedBatch returns the batch size the input was exported with, 0 when
// its batch axis is dynamic.
func (m *Model) fixedBatch() int {
	if d := m.input.dims[0]; d > 0 {
		return d
	}
	return 0
}

// Summary describes a cut of a model, as `exp validate` shows it.
type Summary struct {
	Input  []int // the shape it was built for, exp's layout, batch axis first
	Output []int // its output shape at the cut, exp's layout, batch axis first
	// Trainable and NonTrainable count the weights: all non-trainable when
	// frozen; BatchNormalization's running statistics always non-trainable.
	Trainable, NonTrainable int64
	// Statistics counts BatchNormalization's running statistics among
	// them, which never train.
	Statistics int64
	Ops        int            // ONNX nodes in the cut
	OpCounts   map[string]int // per op type
	Opset      int
	Producer   string
	// Activations is the number of values per example of the tensors the
	// cut computes (for the memory estimate).
	Activations int64
	// Folded is the number of nodes computed once when the graph is built.
	Folded int
}

// String formats the summary on one line.
func (s *Summary) String() string {
	return fmt.Sprintf("output %v, parameters %d (trainable %d, non-trainable %d), %d ops, opset %d",
		s.Output, s.Trainable+s.NonTrainable, s.Trainable, s.NonTrainable, s.Ops, s.Opset)
}

// summaryBatch is the batch size Summarize builds with: not 1, so that a
// model whose graph depends on a fixed batch of 1 fails here.
const summaryBatch = 2

// Summarize builds the cut for inputs of exp's shape dims (without the
// batch axis) on backend, without running it, and describes it. trainable
// is whether the weights will train.
func (m *Model) Summarize(backend backends.Backend, opts Options, dims []int, trainable bool) (*Summary, error) {
	if err := m.Validate(opts); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	target, _ := m.target(opts)
	order, _ := m.order(target)
	g := graph.NewGraph(backend, "onnx-summary")
	defer g.Finalize()
	var x, out *graph.Node
	var c *converter
	err := tryCatch(func() {
		x = graph.Parameter(g, "x", shapes.Make(dtypes.Float32, append([]int{summaryBatch}, dims...)...))
		var e error
		if out, c, e = m.build(g, x, opts, order, target, m.parameterWeights(g)); e != nil {
			panic(e)
		}
	})
	if err != nil {
		return nil, err
	}
	return m.describe(order, x, out, c, trainable), nil
}

// describe summarises the cut of the nodes order, built by c on input x
// as out.
func (m *Model) describe(order []*node, x, out *graph.Node, c *converter, trainable bool) *Summary {
	s := &Summary{Opset: m.opset, Producer: m.producer, Ops: len(order), OpCounts: map[string]int{}, Folded: c.folded}
	for _, n := range order {
		s.OpCounts[n.op]++
	}
	s.Input = slices.Clone(x.Shape().Dimensions)
	s.Input[0] = -1
	s.Output = slices.Clone(out.Shape().Dimensions)
	s.Output[0] = -1
	for name, v := range c.vals {
		if name != m.input.name && v.n.Type() != graph.NodeTypeConstant && v.n.Type() != graph.NodeTypeParameter {
			s.Activations += int64(v.n.Shape().Size() / c.batch)
		}
	}
	s.Trainable, s.NonTrainable = m.countParams(order, trainable)
	_, s.Statistics = m.countParams(order, true)
	return s
}

// parameterWeights returns weights as parameters of g, shaped as the
// variables would be: enough to build a graph that is not run.
func (m *Model) parameterWeights(g *graph.Graph) func(string, []int) (*graph.Node, error) {
	params := map[string]*graph.Node{}
	return func(name string, perm []int) (*graph.Node, error) {
		if p, ok := params[name]; ok {
			return p, nil
		}
		sh := m.inits[name].shape
		if perm != nil {
			sh = shapes.Make(sh.DType, permuteDims(sh.Dimensions, perm)...)
		}
		params[name] = graph.Parameter(g, fmt.Sprintf("w%d", len(params)), sh)
		return params[name], nil
	}
}

// countParams counts the weights the nodes read, split as they will train.
func (m *Model) countParams(order []*node, trainable bool) (tr, non int64) {
	seen := map[string]bool{}
	for _, n := range order {
		for _, in := range n.inputs {
			init, ok := m.inits[in]
			if !ok || seen[in] || m.consts[in] {
				continue
			}
			seen[in] = true
			size := int64(init.shape.Size())
			if trainable && !m.stats[in] {
				tr += size
			} else {
				non += size
			}
		}
	}
	return tr, non
}

// Build adds the cut to x's graph and returns its output. x is a batch in
// exp's layout (batch axis first, images channels-last); the weights are
// variables of ctx's scope "ONNX", read from the file when they are first
// initialized (building a graph that is never run reads none), trainable
// when trainable is set (BatchNormalization's statistics never are).
// Frozen weights are non-trainable variables: they get no gradient and no
// optimizer state.
func (m *Model) Build(ctx *mlctx.Context, x *graph.Node, opts Options, trainable bool) (*graph.Node, error) {
	out, _, err := m.BuildSummary(ctx, x, opts, trainable)
	return out, err
}

// BuildSummary is Build that also describes the cut as built, as
// Summarize does.
func (m *Model) BuildSummary(ctx *mlctx.Context, x *graph.Node, opts Options, trainable bool) (out *graph.Node, s *Summary, err error) {
	target, err := m.target(opts)
	if err != nil {
		return nil, nil, err
	}
	order, err := m.order(target)
	if err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	weight := m.variableWeights(ctx.In(ox.ModelScope).Checked(false), x.Graph(), trainable)
	var c *converter
	err = tryCatch(func() {
		var e error
		out, c, e = m.build(x.Graph(), x, opts, order, target, weight)
		if e != nil {
			panic(e)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return out, m.describe(order, x, out, c, trainable), nil
}

// variableWeights returns weights as variables of vctx, trainable as asked
// (statistics never). A new variable's initializer decodes the weight from
// the file: only a graph that runs reads it.
func (m *Model) variableWeights(vctx *mlctx.Context, g *graph.Graph, trainable bool) func(string, []int) (*graph.Node, error) {
	return func(name string, perm []int) (*graph.Node, error) {
		vname := ox.SafeVarName(name)
		v := vctx.GetVariableByScopeAndName(vctx.Scope(), vname)
		if v == nil {
			sh := m.inits[name].shape
			if perm != nil {
				sh = shapes.Make(sh.DType, permuteDims(sh.Dimensions, perm)...)
			}
			v = vctx.WithInitializer(m.fileInitializer(name, perm)).VariableWithShape(vname, sh)
		}
		v.SetTrainable(trainable && !m.stats[name])
		return v.ValueGraph(g), nil
	}
}

// fileInitializer returns the initializer of weight name's variable: its
// value in the file, stored with perm.
func (m *Model) fileInitializer(name string, perm []int) mlctx.VariableInitializer {
	return func(g *graph.Graph, _ shapes.Shape) *graph.Node {
		t, err := decodeTensor(m.inits[name].proto)
		if err != nil {
			panic(fmt.Errorf("%s: tensor %q: %v", m.path, name, err))
		}
		if perm != nil {
			t = permuteTensor(t, perm)
		}
		return graph.Const(g, t)
	}
}

// build converts the ordered nodes for input x and returns the output in
// exp's layout.
func (m *Model) build(g *graph.Graph, x *graph.Node, opts Options, order []*node, target string,
	weight func(string, []int) (*graph.Node, error)) (*graph.Node, *converter, error) {
	in, err := m.inputValue(x, opts)
	if err != nil {
		return nil, nil, err
	}
	c := &converter{m: m, g: g, batch: x.Shape().Dimensions[0], weight: weight, vals: map[string]value{m.input.name: in}}
	v, err := c.run(order, target)
	if err != nil {
		return nil, nil, m.withInputNote(err, in)
	}
	if d := v.dims(); len(d) == 0 || d[0] != c.batch {
		err := fmt.Errorf("%s: the output %q is shaped %v: its first axis is not the batch of %d examples", m.path, target, d, c.batch)
		if fb := m.fixedBatch(); fb > 0 {
			err = fmt.Errorf("%w; the model was exported with a fixed batch size of %d: export it with "+
				"torch.onnx.export(..., dynamic_axes={%q: {0: \"batch\"}, \"output\": {0: \"batch\"}})", err, fb, m.input.name)
		}
		return nil, nil, err
	}
	if (opts.Layout == "" || opts.Layout == NCHW) && v.rank() == 4 {
		return as(v, channelsLast(4)), c, nil
	}
	return logical(v), c, nil
}

// inputValue checks x against the model's declared input and returns it as
// the ONNX input: a channels-last view for NCHW images, in the declared dtype.
func (m *Model) inputValue(x *graph.Node, opts Options) (value, error) {
	d := m.input.dims
	if x.Rank() != len(d) {
		return value{}, fmt.Errorf("%s: the model takes rank-%d inputs %s, the data is rank %d %v",
			m.path, len(d), m.declared(), x.Rank(), x.Shape().Dimensions)
	}
	if x.DType() != m.input.dtype {
		x = graph.ConvertDType(x, m.input.dtype)
	}
	v := plain(x)
	channelAxis := -1
	if x.Rank() == 4 {
		channelAxis = 3
		if opts.Layout == "" || opts.Layout == NCHW {
			v = value{n: x, perm: channelsLast(4)}
			channelAxis = 1
		}
	}
	if channelAxis >= 0 {
		want, got := d[channelAxis], v.dims()[channelAxis]
		if want > 0 && want != got {
			hint := ""
			if want == 3 && got == 1 {
				hint = ": give grey images three channels with data.color_mode: rgb"
			}
			return value{}, fmt.Errorf("%s: the model takes images of %d channels (input %s, layout %s), the data has %d%s",
				m.path, want, m.declared(), layoutName(opts.Layout), got, hint)
		}
	}
	return v, nil
}

// declared formats the declared input shape: [batch, 3, 224, 224].
func (m *Model) declared() string {
	parts := make([]string, len(m.input.dims))
	for i, d := range m.input.dims {
		switch {
		case d > 0:
			parts[i] = fmt.Sprint(d)
		case m.input.names[i] != "":
			parts[i] = m.input.names[i]
		default:
			parts[i] = "?"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// layoutName returns the layout's name, nchw for "".
func layoutName(l Layout) Layout {
	if l == "" {
		return NCHW
	}
	return l
}

// withInputNote adds the declared and actual input shapes to a build
// error when they differ beyond the batch axis.
func (m *Model) withInputNote(err error, in value) error {
	got := in.dims()
	for i, d := range m.input.dims {
		if i > 0 && d > 0 && d != got[i] {
			return fmt.Errorf("%w (the model was exported for input %s; the data gives %v)", err, m.declared(), got)
		}
	}
	return err
}

// permuteDims returns dims reordered by perm.
func permuteDims(dims, perm []int) []int {
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = dims[p]
	}
	return out
}
