package keypath

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParse(t *testing.T) {
	good := []string{"train", "train.learning_rate", "model.layers[1].units", "a[0][2].b_c", "_x.y9"}
	for _, s := range good {
		p, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if p.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, p.String())
		}
	}
	bad := []string{"", ".a", "a.", "a..b", "a[", "a[x]", "a[-1]", "a[01]", "[0]", "a b", "a.9b", "a]"}
	for _, s := range bad {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", s)
		}
	}
}

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return n.Content[0]
}

func TestGetSet(t *testing.T) {
	root := node(t, "train: {learning_rate: 0.1}\nmodel:\n  layers: [{units: 3}, {units: 4}]\n")
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "7"}
	for _, tt := range []struct {
		path, wantErr string
	}{
		{"train.learning_rate", ""},
		{"model.layers[1].units", ""},
		{"train.new.deep", ""},
		{"model.layers[2].units", "model.layers has 2 items, no index 2"},
		{"train.learning_rate.x", "train.learning_rate is not a mapping"},
		{"model[0]", "model is not a list"},
		{"absent[0]", "absent is not set, so it has no index 0"},
	} {
		err := Set(root, MustParse(tt.path), v)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Set(%s) error = %v, want %q", tt.path, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s): %v", tt.path, err)
			continue
		}
		got, err := Get(root, MustParse(tt.path))
		if err != nil || got.Value != "7" {
			t.Errorf("Get(%s) after Set = %v, %v", tt.path, got, err)
		}
	}
	if _, err := Get(root, MustParse("train.missing")); err == nil {
		t.Error("Get of a missing key succeeded")
	}
}

func TestLookup(t *testing.T) {
	v := map[string]any{"model": map[string]any{"layers": []any{map[string]any{"units": 3.0}}}}
	if got, ok := Lookup(v, MustParse("model.layers[0].units")); !ok || got != 3.0 {
		t.Errorf("Lookup = %v, %v", got, ok)
	}
	if _, ok := Lookup(v, MustParse("model.layers[1]")); ok {
		t.Error("Lookup past the end succeeded")
	}
}
