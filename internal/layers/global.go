package layers

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("globalavgpool2d", func() registry.Layer { return &GlobalPool{rank: 4} })
	registry.Layers.Register("globalmaxpool2d", func() registry.Layer { return &GlobalPool{rank: 4, max: true} })
	registry.Layers.Register("globalavgpool1d", func() registry.Layer { return &GlobalPool1D{GlobalPool{rank: 3}} })
	registry.Layers.Register("globalmaxpool1d", func() registry.Layer { return &GlobalPool1D{GlobalPool{rank: 3, max: true}} })
}

// GlobalPool averages or takes the maximum over all spatial axes of
// channels-last input (Keras GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D):
// [batch, steps, c] or [batch, h, w, c] becomes [batch, c], or keeps the
// spatial axes with size 1 when keepdims.
type GlobalPool struct {
	rank     int // 3 (1-D) or 4 (2-D), with the batch axis
	max      bool
	KeepDims bool `yaml:"keepdims"`
}

// Validate has nothing to check.
func (*GlobalPool) Validate(registry.Reporter) {}

// Build adds the layer.
func (p *GlobalPool) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, p.rank, map[int]string{3: "3-D", 4: "4-D"}[p.rank]); err != nil {
		return nil, err
	}
	axes := []int{1, 2}[:p.rank-2]
	var y *graph.Node
	if p.max {
		y = graph.ReduceMax(x, axes...)
	} else {
		y = graph.ReduceMean(x, axes...)
	}
	if p.KeepDims {
		dims := x.Shape().Clone().Dimensions
		for _, a := range axes {
			dims[a] = 1
		}
		y = graph.Reshape(y, dims...)
	}
	return y, nil
}

// GlobalPool1D is GlobalPool over the steps of a sequence (batch, steps, c).
// With a padding mask (registry.MaskUser) it pools over the real steps only:
// a sequence that is all padding pools to zeros.
type GlobalPool1D struct {
	GlobalPool `yaml:",inline"`
}

var _ registry.MaskUser = (*GlobalPool1D)(nil)

// KeepsMask is false: the output has no steps.
func (*GlobalPool1D) KeepsMask() bool { return false }

// BuildMasked pools x over the steps where its mask is true.
func (p *GlobalPool1D) BuildMasked(_ *mlctx.Context, xs, masks []*graph.Node) (*graph.Node, error) {
	x, mask := xs[0], masks[0]
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	m := graph.BroadcastToDims(graph.ExpandAxes(mask, -1), dims...)
	mf := graph.ConvertDType(mask, x.DType())
	var y *graph.Node
	if p.max {
		real := graph.ReduceMax(mf, 1) // [batch]: 1 with a real step
		low := graph.BroadcastToDims(graph.Scalar(x.Graph(), x.DType(), -math.MaxFloat32), dims...)
		y = graph.ReduceMax(graph.Where(m, x, low), 1)
		y = graph.Mul(y, graph.ExpandAxes(real, -1)) // all padding: 0, not the lowest float
	} else {
		count := graph.MaxScalar(graph.ReduceSum(mf, 1), 1) // all padding: 0/1
		sum := graph.ReduceSum(graph.Mul(x, graph.ExpandAxes(mf, -1)), 1)
		y = graph.Div(sum, graph.ExpandAxes(count, -1))
	}
	if p.KeepDims {
		y = graph.ExpandAxes(y, 1)
	}
	return y, nil
}
