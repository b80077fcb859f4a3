package layers

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("maxpool2d", func() registry.Layer { return &Pool2D{max: true, PoolSize: Pair{2, 2}, Padding: "valid"} })
	registry.Layers.Register("avgpool2d", func() registry.Layer { return &Pool2D{PoolSize: Pair{2, 2}, Padding: "valid"} })
}

var _ registry.Layer = (*Pool2D)(nil)

// Pool2D is 2-D max or average pooling over channels-last images.
type Pool2D struct {
	max      bool
	PoolSize Pair   `yaml:"pool_size"`
	Strides  *Pair  `yaml:"strides"` // nil: pool_size
	Padding  string `yaml:"padding"`
}

// Validate checks the parameters.
func (p *Pool2D) Validate(r registry.Reporter) {
	p.PoolSize.validatePositive(r.Field("pool_size"))
	if p.Strides != nil {
		p.Strides.validatePositive(r.Field("strides"))
	}
	validPadding(r.Field("padding"), p.Padding)
}

func (p *Pool2D) strides() Pair {
	if p.Strides == nil {
		return p.PoolSize
	}
	return *p.Strides
}

// Build adds the layer. The common case (valid padding, strides equal to
// the pool size and dividing the input) reshapes each window onto its own
// axes and reduces them; any other case gathers the windows.
func (p *Pool2D) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	s := p.strides()
	oh, padH := outSize(h, p.PoolSize[0], s[0], p.Padding)
	ow, padW := outSize(w, p.PoolSize[1], s[1], p.Padding)
	if oh <= 0 || ow <= 0 {
		return nil, registry.FieldErrorf("pool_size", "pool %s is larger than its input %d×%d (padding valid)", p.PoolSize, h, w)
	}
	ph, pw := p.PoolSize[0], p.PoolSize[1]
	if p.Padding == "valid" && s == p.PoolSize && h%ph == 0 && w%pw == 0 {
		y := graph.Reshape(x, b, oh, ph, ow, pw, c)
		if p.max {
			return graph.ReduceMax(y, 2, 4), nil
		}
		return graph.ReduceMean(y, 2, 4), nil
	}
	return p.gatherPool(x, oh, ow, padH[0], padW[0]), nil
}

// gatherPool pools by gathering every window's positions (out-of-range ones
// read a padding row: -inf for max, 0 for average, which then divides by the
// number of in-range positions as Keras does).
func (p *Pool2D) gatherPool(x *graph.Node, oh, ow, top, left int) *graph.Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	s := p.strides()
	ph, pw := p.PoolSize[0], p.PoolSize[1]
	flat := graph.Reshape(graph.TransposeAllAxes(x, 1, 2, 0, 3), h*w, b, c)
	var fill *graph.Node
	if p.max {
		fill = graph.BroadcastToDims(graph.Infinity(g, x.DType(), -1), 1, b, c)
	} else {
		fill = graph.Zeros(g, shapeOf(x, 1, b, c))
	}
	flat = graph.Concatenate([]*graph.Node{flat, fill}, 0)
	idx := make([]int32, 0, oh*ow*ph*pw)
	counts := make([]float32, 0, oh*ow)
	for i := range oh {
		for j := range ow {
			n := 0
			for di := range ph {
				for dj := range pw {
					y, xx := i*s[0]+di-top, j*s[1]+dj-left
					if y < 0 || y >= h || xx < 0 || xx >= w {
						idx = append(idx, int32(h*w))
						continue
					}
					idx = append(idx, int32(y*w+xx))
					n++
				}
			}
			counts = append(counts, float32(n))
		}
	}
	indices := graph.Reshape(graph.Const(g, idx), len(idx), 1)
	win := graph.Reshape(graph.Gather(flat, indices), oh, ow, ph*pw, b, c)
	var y *graph.Node
	if p.max {
		y = graph.ReduceMax(win, 2)
	} else {
		y = graph.ReduceSum(win, 2)
		cnt := graph.ConvertDType(graph.Reshape(graph.Const(g, counts), oh, ow, 1, 1), x.DType())
		y = graph.Div(y, cnt)
	}
	return graph.TransposeAllAxes(y, 2, 0, 1, 3)
}
