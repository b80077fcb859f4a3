package layers

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

// textCase is a case of testdata/text_reference.json: a refCase whose
// inputs may carry padding masks (1 at real steps; nil: none) and whose
// weights are named by their scope path in the layer ("query/kernel").
type textCase struct {
	refCase
	Masks []*refTensor `json:"masks"`
}

// boolTensor returns the mask as a bool tensor.
func (r *refTensor) boolTensor() *tensors.Tensor {
	b := make([]bool, len(r.Data))
	for i, v := range r.Data {
		b[i] = v != 0
	}
	return tensors.FromFlatDataAndDimensions(b, r.Shape...)
}

// TestTextReference compares the output and the gradients with respect to
// the inputs and every weight, for L = Σ y·v, of the attention, transformer,
// position, bidirectional and masked recurrent layers and the masked
// poolings with PyTorch's (testdata/text_reference.py), on both backends,
// within 1e-5·(1 + |PyTorch's value|).
func TestTextReference(t *testing.T) {
	src, err := os.ReadFile("testdata/text_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []*textCase }
	if err := json.Unmarshal(src, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) != 19 {
		t.Fatalf("%d cases, want 19", len(ref.Cases))
	}
	for _, config := range []string{"go:ops_sequential", "cpu"} {
		t.Run(config, func(t *testing.T) {
			be, err := backends.NewWithConfig(config)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range ref.Cases {
				t.Run(c.Name, func(t *testing.T) { checkTextCase(t, be, c) })
			}
		})
	}
}

// scopedVariable returns the variable of ctx at path "a/b/name".
func scopedVariable(ctx *mlctx.Context, path string) (*mlctx.Context, string) {
	parts := strings.Split(path, "/")
	for _, p := range parts[:len(parts)-1] {
		ctx = ctx.In(p)
	}
	return ctx, parts[len(parts)-1]
}

func checkTextCase(t *testing.T, be backends.Backend, c *textCase) {
	layer := newLayer(t, c.Type, c.Params)
	names := make([]string, 0, len(c.Weights))
	for k := range c.Weights {
		names = append(names, k)
	}
	slices.Sort(names)
	ctx := mlctx.New()
	for _, k := range names {
		sc, name := scopedVariable(ctx.In("layer"), k)
		sc.VariableWithValue(name, c.Weights[k].tensor())
	}
	var args []any
	var masked []int // the inputs with a mask
	for i, x := range c.Inputs {
		args = append(args, x.tensor())
		if c.Masks[i] != nil {
			masked = append(masked, i)
		}
	}
	for _, i := range masked {
		args = append(args, c.Masks[i].boolTensor())
	}
	args = append(args, c.V.tensor())
	n := len(c.Inputs)
	e, err := mlctx.NewExec(be, ctx.Checked(false), func(ctx *mlctx.Context, ins []*graph.Node) []*graph.Node {
		ctx.SetTraining(ins[0].Graph(), true)
		xs, v := ins[:n], ins[len(ins)-1]
		masks := make([]*graph.Node, n)
		for k, i := range masked {
			masks[i] = ins[n+k]
		}
		y, err := buildText(ctx.In("layer"), layer, xs, masks)
		if err != nil {
			panic(err)
		}
		wrt := slices.Clone(xs)
		for _, k := range names {
			sc, name := scopedVariable(ctx.In("layer"), k)
			wrt = append(wrt, sc.GetVariable(name).ValueGraph(y.Graph()))
		}
		return append([]*graph.Node{y}, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), wrt...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	want, what := []*refTensor{c.Y}, []string{"y"}
	for i, dx := range c.DX {
		want, what = append(want, dx), append(what, fmt.Sprintf("dL/dx%d", i))
	}
	for _, k := range names {
		want, what = append(want, c.DWeights[k]), append(what, "dL/d"+k)
	}
	for i, w := range want {
		compareRef(t, what[i], out[i], w)
	}
}

// buildText builds layer on xs, with their masks when one is not nil.
func buildText(ctx *mlctx.Context, layer registry.Layer, xs, masks []*graph.Node) (*graph.Node, error) {
	if slices.ContainsFunc(masks, func(m *graph.Node) bool { return m != nil }) {
		return layer.(registry.MaskUser).BuildMasked(ctx, xs, masks)
	}
	if mi, ok := layer.(registry.MultiInput); ok {
		return mi.BuildInputs(ctx, xs)
	}
	return layer.Build(ctx, xs[0])
}
