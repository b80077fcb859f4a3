package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// refTensor is a tensor of testdata/reference.json.
type refTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (r *refTensor) tensor() *tensors.Tensor {
	f := make([]float32, len(r.Data))
	for i, v := range r.Data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, r.Shape...)
}

// refCase is one layer's PyTorch reference (see testdata/reference.py).
type refCase struct {
	Name     string                `json:"name"`
	Type     string                `json:"type"`
	Params   map[string]any        `json:"params"`
	Inputs   []*refTensor          `json:"inputs"`
	Weights  map[string]*refTensor `json:"weights"`
	V        *refTensor            `json:"v"`
	Y        *refTensor            `json:"y"`
	DX       []*refTensor          `json:"dx"`
	DWeights map[string]*refTensor `json:"dweights"`
}

// newLayer returns a layer of type typ with params decoded over its defaults.
func newLayer(t *testing.T, typ string, params map[string]any) registry.Layer {
	t.Helper()
	f, err := registry.Layers.Lookup(typ)
	if err != nil {
		t.Fatal(err)
	}
	l := f()
	src, _ := json.Marshal(params) // JSON is YAML
	doc, err := yamlx.Parse("params", src)
	if err != nil {
		t.Fatal(err)
	}
	r := yamlx.NewReporter(doc)
	yamlx.Decode(r, l)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestReference compares each layer's output and its gradients with respect
// to the inputs and weights, for L = Σ y·v, with PyTorch's.
func TestReference(t *testing.T) {
	src, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []*refCase }
	if err := json.Unmarshal(src, &ref); err != nil {
		t.Fatal(err)
	}
	eachBackend(t, func(t *testing.T, be backends.Backend) {
		for _, c := range ref.Cases {
			t.Run(c.Name, func(t *testing.T) { checkReference(t, be, c) })
		}
	})
}

func checkReference(t *testing.T, be backends.Backend, c *refCase) {
	layer := newLayer(t, c.Type, c.Params)
	names := make([]string, 0, len(c.Weights))
	for k := range c.Weights {
		names = append(names, k)
	}
	slices.Sort(names)
	ctx := mlctx.New()
	for _, k := range names {
		ctx.In("layer").VariableWithValue(k, c.Weights[k].tensor())
	}
	diffX := c.Type != "embedding"
	e, err := mlctx.NewExec(be, ctx.Checked(false), func(ctx *mlctx.Context, ins []*graph.Node) []*graph.Node {
		ctx.SetTraining(ins[0].Graph(), true)
		xs, v := ins[:len(ins)-1], ins[len(ins)-1]
		var y *graph.Node
		var err error
		if mi, ok := layer.(registry.MultiInput); ok {
			y, err = mi.BuildInputs(ctx.In("layer"), xs)
		} else {
			y, err = layer.Build(ctx.In("layer"), xs[0])
		}
		if err != nil {
			panic(err)
		}
		loss := graph.ReduceAllSum(graph.Mul(y, v))
		var wrt []*graph.Node
		if diffX {
			wrt = append(wrt, xs...)
		}
		for _, k := range names {
			wrt = append(wrt, ctx.In("layer").GetVariable(k).ValueGraph(y.Graph()))
		}
		out := []*graph.Node{y}
		if len(wrt) > 0 {
			out = append(out, graph.Gradient(loss, wrt...)...)
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
	var args []any
	for _, x := range c.Inputs {
		args = append(args, x.tensor())
	}
	args = append(args, c.V.tensor())
	out, err := e.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	want := []*refTensor{c.Y}
	what := []string{"y"}
	if diffX {
		for i, dx := range c.DX {
			want, what = append(want, dx), append(what, fmt.Sprintf("dL/dx%d", i))
		}
	}
	for _, k := range names {
		want, what = append(want, c.DWeights[k]), append(what, "dL/d"+k)
	}
	for i, w := range want {
		compareRef(t, what[i], out[i], w)
	}
}

func compareRef(t *testing.T, what string, got *tensors.Tensor, want *refTensor) {
	t.Helper()
	if !slices.Equal(got.Shape().Dimensions, want.Shape) {
		t.Errorf("%s: shape %v, PyTorch %v", what, got.Shape().Dimensions, want.Shape)
		return
	}
	for i, g := range flat(got) {
		if math.Abs(float64(g)-want.Data[i]) > 1e-5*(1+math.Abs(want.Data[i])) {
			t.Errorf("%s[%d] = %g, PyTorch %g", what, i, g, want.Data[i])
			return
		}
	}
}
