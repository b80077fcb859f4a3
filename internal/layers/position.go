package layers

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("positionembedding", func() registry.Layer { return &PositionEmbedding{} })
	registry.Layers.Register("sinepositionencoding", func() registry.Layer { return &SinePositionEncoding{MaxWavelength: 10000} })
}

var (
	_ registry.MaskPasser = (*PositionEmbedding)(nil)
	_ registry.MaskPasser = (*SinePositionEncoding)(nil)
)

// PositionEmbedding adds a learned vector to each step of a sequence
// (batch, steps, features): embeddings [sequence_length, features],
// glorot-uniform, of which the first steps rows are used. Unlike KerasHub's
// PositionEmbedding, which returns only the vectors, the output is the input
// plus them. sequence_length defaults to the input's steps; a longer input
// is an error. A padding mask passes through.
type PositionEmbedding struct {
	SequenceLength int `yaml:"sequence_length,omitempty"` // 0: the input's steps
}

// Validate checks sequence_length.
func (p *PositionEmbedding) Validate(r registry.Reporter) {
	if p.SequenceLength < 0 {
		r.Field("sequence_length").Errorf("must be > 0, got %d", p.SequenceLength)
	}
}

// PassesMask is true: a position is added to each step.
func (*PositionEmbedding) PassesMask() bool { return true }

// Build adds the layer.
func (p *PositionEmbedding) Build(ctx *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	steps, d := dims[1], dims[2]
	n := p.SequenceLength
	if n == 0 {
		n = steps
	}
	if steps > n {
		return nil, registry.FieldErrorf("sequence_length", "the input has %d steps, more than sequence_length %d", steps, n)
	}
	pos := variable(ctx, x, "embeddings", initializers.GlorotUniformFn(ctx), n, d)
	if steps < n {
		pos = split(pos, 0, steps, n-steps)[0] // a Slice whose gradient needs no Pad
	}
	return graph.Add(x, graph.ExpandAxes(pos, 0)), nil
}

// SinePositionEncoding adds fixed sine and cosine positions to each step of
// a sequence (batch, steps, features), KerasHub's SinePositionEncoding added
// to its input: feature i of step t gets sin(t·w) for even i and cos(t·w)
// for odd i, with w = max_wavelength^(−2⌊i/2⌋/features). A padding mask
// passes through.
type SinePositionEncoding struct {
	MaxWavelength float64 `yaml:"max_wavelength"`
}

// Validate checks max_wavelength.
func (s *SinePositionEncoding) Validate(r registry.Reporter) {
	if !(s.MaxWavelength > 0) || math.IsInf(s.MaxWavelength, 0) {
		r.Field("max_wavelength").Errorf("must be > 0, got %g", s.MaxWavelength)
	}
}

// PassesMask is true: a position is added to each step.
func (*SinePositionEncoding) PassesMask() bool { return true }

// Build adds the layer.
func (s *SinePositionEncoding) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 3, "3-D"); err != nil {
		return nil, err
	}
	dims := x.Shape().Dimensions
	steps, d := dims[1], dims[2]
	enc := make([]float32, steps*d)
	for t := range steps {
		for i := range d {
			angle := float64(t) * math.Pow(s.MaxWavelength, -float64(2*(i/2))/float64(d))
			v := math.Sin(angle)
			if i%2 == 1 {
				v = math.Cos(angle)
			}
			enc[t*d+i] = float32(v)
		}
	}
	c := graph.Reshape(graph.Const(x.Graph(), enc), 1, steps, d)
	return graph.Add(x, graph.ConvertDType(c, x.DType())), nil
}
