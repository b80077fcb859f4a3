package config_test

import (
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
)

// TestMaskErrors checks that a layer receiving a padding mask it cannot
// take is an error at its line, found when the config is read, and that
// the layers which take or pass a mask are not.
func TestMaskErrors(t *testing.T) {
	const head = "model:\n  layers:\n    - {name: emb, type: embedding, input_dim: 10, output_dim: 4, mask_zero: true}\n"
	for _, tt := range []struct {
		name, layers string
		want         []string // "" for no error
	}{
		{"conv1d", "    - {type: conv1d, filters: 2, kernel_size: 3}\n    - {type: flatten}\n    - {type: dense, units: 10}\n",
			[]string{`test.yaml:4:7: model.layers[1]: conv1d takes no padding mask, but its input "emb" has one (mask_zero: true); read it first with one of: globalavgpool1d, globalmaxpool1d, gru, lstm, multiheadattention, transformer`}},
		{"flatten after dense", "    - {type: dense, units: 3}\n    - {type: flatten}\n    - {type: dense, units: 10}\n",
			[]string{`test.yaml:5:7: model.layers[2]: flatten takes no padding mask, but its input "dense" carries the one of "emb" (mask_zero: true)`}},
		{"merge of a masked and an unmasked input", "    - {name: plain, type: dense, units: 4, inputs: [input]}\n    - {type: add, inputs: [emb, plain]}\n    - {type: reshape, shape: [-1]}\n    - {type: dense, units: 10}\n",
			[]string{`model.layers[3]: reshape takes no padding mask, but its input "add" carries the one of "emb"`}},
		{"concat along steps", "    - {name: b, type: dense, units: 4}\n    - {type: concat, axis: 1, inputs: [emb, b]}\n    - {type: globalavgpool1d}\n    - {type: dense, units: 10}\n",
			[]string{`model.layers[2]: concat takes no padding mask`}},
		{"read by lstm, then free", "    - {type: lstm, units: 3}\n    - {type: reshape, shape: [3]}\n    - {type: dense, units: 10}\n", nil},
		{"kept by return_sequences", "    - {type: gru, units: 3, return_sequences: true}\n    - {type: flatten}\n    - {type: dense, units: 10}\n",
			[]string{`model.layers[2]: flatten takes no padding mask, but its input "gru" carries the one of "emb"`}},
		{"attention and pooling", "    - {type: positionembedding}\n    - {type: multiheadattention, num_heads: 2, key_dim: 2}\n    - {type: transformer, num_heads: 2, intermediate_dim: 8}\n    - {type: globalmaxpool1d}\n    - {type: dense, units: 10}\n", nil},
		{"attention inputs", "    - {type: multiheadattention, num_heads: 2, key_dim: 2, inputs: [emb, emb, emb]}\n    - {type: globalmaxpool1d}\n    - {type: dense, units: 10}\n",
			[]string{`model.layers[1].inputs: multiheadattention takes at most 2 inputs, got 3`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("test.yaml", []byte(head+tt.layers), nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}
