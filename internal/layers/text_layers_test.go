package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTextParamCounts checks the output shapes and that the parameter
// counts are Keras's (KerasHub's for transformer), worked out by hand for
// an input (batch 2, 7 steps, 16 features):
//
//	multiheadattention  per projection d·h·k + h·k (query, key), d·h·v + h·v
//	                    (value), output h·v·d + d; no biases without use_bias
//	transformer         attention with k = v = d/h, two layernorms 2·2d,
//	                    dense d·I + I and I·d + d
//	positionembedding   sequence_length·d
//	lstm, gru bidirectional  twice the unidirectional count
func TestTextParamCounts(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	const b, steps, d = 2, 7, 16
	x := tensors.FromFlatDataAndDimensions(make([]float32, b*steps*d), b, steps, d)
	for _, tt := range []struct {
		typ    string
		params map[string]any
		out    []int
		count  int
	}{
		{"multiheadattention", map[string]any{"num_heads": 4, "key_dim": 8}, []int{b, steps, d},
			3*(d*4*8+4*8) + 4*8*d + d},
		{"multiheadattention", map[string]any{"num_heads": 2, "key_dim": 3, "value_dim": 5, "use_bias": false},
			[]int{b, steps, d}, 2*d*2*3 + d*2*5 + 2*5*d},
		{"transformer", map[string]any{"num_heads": 4, "intermediate_dim": 32}, []int{b, steps, d},
			4*(d*d+d) + 2*2*d + d*32 + 32 + 32*d + d},
		{"positionembedding", map[string]any{"sequence_length": 10}, []int{b, steps, d}, 10 * d},
		{"positionembedding", map[string]any{}, []int{b, steps, d}, steps * d},
		{"sinepositionencoding", map[string]any{}, []int{b, steps, d}, 0},
		{"lstm", map[string]any{"units": 3, "bidirectional": true}, []int{b, 6}, 2 * 4 * (3*(d+3) + 3)},
		{"gru", map[string]any{"units": 3, "bidirectional": true, "return_sequences": true}, []int{b, steps, 6},
			2 * 3 * (3*(d+3) + 2*3)},
	} {
		t.Run(fmt.Sprintf("%s%v", tt.typ, tt.params), func(t *testing.T) {
			ctx := mlctx.New()
			y := build(t, be, ctx, newLayer(t, tt.typ, tt.params), true, x)
			if fmt.Sprint(y.Shape().Dimensions) != fmt.Sprint(tt.out) {
				t.Errorf("output %v, want %v", y.Shape().Dimensions, tt.out)
			}
			n := 0
			for v := range ctx.In("layer").IterVariablesInScope() {
				n += v.Shape().Size()
			}
			if n != tt.count {
				t.Errorf("%d parameters, Keras %d", n, tt.count)
			}
		})
	}
}

// TestTextLayerErrors checks the errors of the text layers on inputs they
// cannot take and on bad parameters.
func TestTextLayerErrors(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		typ    string
		params map[string]any
		dims   []int
		want   string
	}{
		{"multiheadattention", map[string]any{"num_heads": 2, "key_dim": 2}, []int{2, 8}, "needs 3-D input"},
		{"transformer", map[string]any{"num_heads": 8, "intermediate_dim": 4}, []int{2, 3, 4}, "num_heads: 8 heads need at least as many features, got 4"},
		{"positionembedding", map[string]any{"sequence_length": 4}, []int{2, 5, 3}, "sequence_length: the input has 5 steps, more than sequence_length 4"},
		{"embedding", map[string]any{"input_dim": 5, "output_dim": 2, "mask_zero": true}, []int{2, 3, 4}, "mask_zero: needs token indices (batch, steps), got (None, 3, 4)"},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			g := graph.NewGraph(be, "errors")
			defer g.Finalize()
			_, err := newLayer(t, tt.typ, tt.params).Build(mlctx.New(), graph.Parameter(g, "x", shapes.Make(dtypes.Float32, tt.dims...)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		typ    string
		params map[string]any
		want   []string
	}{
		{"multiheadattention", map[string]any{"value_dim": -1, "dropout": 1.0},
			[]string{"num_heads: is required", "key_dim: is required", "value_dim: must be > 0, got -1", "dropout: must be in [0, 1), got 1"}},
		{"transformer", map[string]any{"num_heads": 0, "intermediate_dim": 4, "activation": "gelux", "layer_norm_epsilon": 0},
			[]string{"num_heads: must be > 0, got 0", `activation: unknown activation "gelux"`, "layer_norm_epsilon: must be > 0, got 0"}},
		{"positionembedding", map[string]any{"sequence_length": -3}, []string{"sequence_length: must be > 0, got -3"}},
		{"sinepositionencoding", map[string]any{"max_wavelength": 0}, []string{"max_wavelength: must be > 0, got 0"}},
		{"embedding", map[string]any{"input_dim": 1, "output_dim": 2, "mask_zero": true}, []string{"input_dim: must be > 1 with mask_zero"}},
	} {
		t.Run("validate/"+tt.typ, func(t *testing.T) {
			var errs []string
			keys := map[string]bool{}
			for k := range tt.params {
				keys[k] = true
			}
			newLayer(t, tt.typ, tt.params).Validate(errReporter{errs: &errs, keys: keys})
			got := strings.Join(errs, "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Validate reported\n%s\nwant %q", got, w)
				}
			}
		})
	}
}

// TestAttentionDropout checks dropout in multiheadattention (on the
// attention probabilities) and transformer: in training the output
// changes, in evaluation it is the output of the same weights without
// dropout.
func TestAttentionDropout(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	_, x := randTensor(rand.New(rand.NewPCG(9, 9)), 2, 6, 8)
	for _, tt := range []struct {
		typ    string
		params map[string]any
	}{
		{"multiheadattention", map[string]any{"num_heads": 2, "key_dim": 4}},
		{"transformer", map[string]any{"num_heads": 2, "intermediate_dim": 16}},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			ctx := mlctx.New()
			plain := flat(build(t, be, ctx, newLayer(t, tt.typ, tt.params), true, x))
			tt.params["dropout"] = 0.5
			dropped := newLayer(t, tt.typ, tt.params)
			eval := flat(build(t, be, ctx, dropped, false, x))
			train := flat(build(t, be, ctx, dropped, true, x))
			same := 0
			for i := range plain {
				if !close32(eval[i], plain[i]) {
					t.Fatalf("evaluation [%d] = %g, without dropout %g", i, eval[i], plain[i])
				}
				if close32(train[i], plain[i]) {
					same++
				}
			}
			if same > len(plain)/4 {
				t.Errorf("training with dropout 0.5 leaves %d of %d outputs unchanged", same, len(plain))
			}
		})
	}
}
