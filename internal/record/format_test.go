package record

import "testing"

func TestFormatValue(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{0.0001, "1e-04"},
		{float32(0.5), "0.5"},
		{0.001, "0.001"},
		{250000.0, "2e+05"},
		{0.0, "0"},
		{32, "32"},
		{"cnn", "cnn"},
		{true, "true"},
		{nil, "—"},
	} {
		if got := FormatValue(tt.v); got != tt.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFormatParams(t *testing.T) {
	p := map[string]any{"variant": "cnn", "train.learning_rate": 0.0003, "model.layers[1].units": 64}
	if got, want := FormatParams(p), "model.layers[1].units=64 train.learning_rate=3e-04 variant=cnn"; got != want {
		t.Errorf("FormatParams = %q, want %q", got, want)
	}
	if got := FormatParams(nil); got != "" {
		t.Errorf("FormatParams(nil) = %q, want \"\"", got)
	}
}
