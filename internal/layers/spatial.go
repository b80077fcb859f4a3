package layers

import (
	"math"

	"gopkg.in/yaml.v3"

	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

func init() {
	registry.Layers.Register("upsampling2d", func() registry.Layer { return &UpSampling2D{Size: Pair{2, 2}, Interpolation: "nearest"} })
	registry.Layers.Register("zeropadding2d", func() registry.Layer { return &ZeroPadding2D{Padding: Margins{{1, 1}, {1, 1}}} })
	registry.Layers.Register("cropping2d", func() registry.Layer { return &Cropping2D{} })
}

// Margins are amounts before and after the height and width axes
// ((top, bottom), (left, right)), written Keras-style as one integer for all
// four, a list [height, width] (each for both sides), or a list
// [[top, bottom], [left, right]].
type Margins [2][2]int

// UnmarshalYAMLX decodes the three forms.
func (m *Margins) UnmarshalYAMLX(r *yamlx.Reporter) {
	n := yamlx.Resolve(r.Node())
	if i, ok := yamlx.ScalarInt(n); ok && i <= math.MaxInt32 && i >= math.MinInt32 {
		*m = Margins{{int(i), int(i)}, {int(i), int(i)}}
		return
	}
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		r.Errorf("must be an integer, a list [height, width] or [[top, bottom], [left, right]], got %s", yamlx.Describe(n))
		return
	}
	for k := range 2 {
		var p Pair
		yamlx.Decode(r.Index(k), &p)
		if e := yamlx.Resolve(n.Content[k]); e.Kind == yaml.SequenceNode {
			m[k] = [2]int(p)
		} else {
			m[k] = [2]int{p[0], p[0]}
		}
	}
}

// MarshalYAMLX encodes the margins as [[top, bottom], [left, right]].
func (m Margins) MarshalYAMLX() *yaml.Node {
	return yamlx.Encode([][]int{{m[0][0], m[0][1]}, {m[1][0], m[1][1]}})
}

func (m Margins) validate(r registry.Reporter) {
	for _, p := range m {
		if p[0] < 0 || p[1] < 0 {
			r.Errorf("must be ≥ 0, got %v", [][2]int(m[:]))
			return
		}
	}
}

// UpSampling2D repeats each row size[0] times and each column size[1] times
// (Keras UpSampling2D, nearest interpolation).
type UpSampling2D struct {
	Size          Pair   `yaml:"size"`
	Interpolation string `yaml:"interpolation"`
}

// Validate checks size and interpolation.
func (u *UpSampling2D) Validate(r registry.Reporter) {
	u.Size.validatePositive(r.Field("size"))
	if u.Interpolation != "nearest" {
		r.Field("interpolation").Errorf("only \"nearest\" is supported, got %q", u.Interpolation)
	}
}

// Build adds the layer: a broadcast over two new axes, then a reshape.
func (u *UpSampling2D) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	y := graph.Reshape(x, b, h, 1, w, 1, c)
	y = graph.BroadcastToDims(y, b, h, u.Size[0], w, u.Size[1], c)
	return graph.Reshape(y, b, h*u.Size[0], w*u.Size[1], c), nil
}

// ZeroPadding2D pads the height and width axes with zeros.
type ZeroPadding2D struct {
	Padding Margins `yaml:"padding"`
}

// Validate checks that the padding is not negative.
func (z *ZeroPadding2D) Validate(r registry.Reporter) { z.Padding.validate(r.Field("padding")) }

// Build adds the layer.
func (z *ZeroPadding2D) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	return padZeros(x, [2]int{}, z.Padding[0], z.Padding[1]), nil
}

// Cropping2D removes rows and columns at the edges of the height and width
// axes.
type Cropping2D struct {
	Cropping Margins `yaml:"cropping"`
}

// Validate checks that the cropping is not negative.
func (c *Cropping2D) Validate(r registry.Reporter) { c.Cropping.validate(r.Field("cropping")) }

// Build adds the layer.
func (c *Cropping2D) Build(_ *mlctx.Context, x *graph.Node) (*graph.Node, error) {
	if err := needRank(x, 4, "4-D"); err != nil {
		return nil, err
	}
	d := x.Shape().Dimensions
	m := c.Cropping
	if m[0][0]+m[0][1] >= d[1] || m[1][0]+m[1][1] >= d[2] {
		return nil, registry.FieldErrorf("cropping", "cropping %v leaves nothing of its input %d×%d", [][2]int(m[:]), d[1], d[2])
	}
	return slice(x, []int{0, m[0][0], m[1][0], 0}, []int{d[0], d[1] - m[0][1], d[2] - m[1][1], d[3]}, []int{1, 1, 1, 1}), nil
}
