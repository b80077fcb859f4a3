package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
)

// TestInputsKeepHash checks that inputs is written into the resolved config
// only when given, so configs without it keep their hash, and that naming
// the previous layer explicitly is a different config.
func TestInputsKeepHash(t *testing.T) {
	c := mustParse(t, "a.yaml", base)
	if strings.Contains(c.YAML(), "inputs") {
		t.Errorf("resolved config mentions inputs:\n%s", c.YAML())
	}
	explicit := strings.Replace(base, "{type: flatten}", "{type: flatten, inputs: [conv2d]}", 1)
	e := mustParse(t, "a.yaml", explicit)
	if !strings.Contains(e.YAML(), "inputs:") || e.Hash() == c.Hash() {
		t.Errorf("explicit inputs: same hash or not written:\n%s", e.YAML())
	}
	if got := config.InputIndices(e.Model.Layers); !slices.Equal(got[1], []int{0}) || !slices.Equal(got[0], []int{-1}) {
		t.Errorf("InputIndices = %v", got)
	}
}

// TestGraphErrors checks the errors about names and connections, each at
// its key.
func TestGraphErrors(t *testing.T) {
	for _, tt := range []struct{ layers, want string }{
		{"- {name: input, type: flatten}\n    - {type: dense, units: 10}", `model.layers[0].name: "input" names the model's input`},
		{"- {name: a, type: flatten}\n    - {name: a, type: dense, units: 10}", `model.layers[1].name: duplicate layer name "a"`},
		{"- {name: dense, type: flatten}\n    - {type: dense, units: 10}", `model.layers[1]: its default name "dense" is taken`},
		{"- {type: flatten}\n    - {type: dense, units: 10, inputs: [flaten]}", `did you mean "flatten"?`},
		{"- {type: flatten, inputs: [dense]}\n    - {type: dense, units: 10}", `layer "dense" is used before it is defined`},
		{"- {type: flatten}\n    - {type: dense, units: 4}\n    - {type: dense, units: 10, inputs: [flatten]}", `layer "dense" is not used`},
		{"- {type: flatten}\n    - {type: add, inputs: [flatten]}", `model.layers[1].inputs: add merges several layers`},
	} {
		src := "model:\n  layers:\n    " + tt.layers + "\n"
		_, err := config.Parse("g.yaml", []byte(src), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\ngot %v\nwant %q", src, err, tt.want)
		}
	}
}
