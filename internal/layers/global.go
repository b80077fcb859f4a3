package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("globalavgpool2d", func() registry.Layer { return &GlobalPool{rank: 4} })
	registry.Layers.Register("globalmaxpool2d", func() registry.Layer { return &GlobalPool{rank: 4, max: true} })
	registry.Layers.Register("globalavgpool1d", func() registry.Layer { return &GlobalPool{rank: 3} })
	registry.Layers.Register("globalmaxpool1d", func() registry.Layer { return &GlobalPool{rank: 3, max: true} })
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
