package registry

import (
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	r := New[int]("widget")
	r.Register("conv2d", 1)
	r.Register("dense", 2)
	r.Register("batchnorm", 3)
	if got := strings.Join(r.Names(), ","); got != "batchnorm,conv2d,dense" {
		t.Errorf("Names() = %s, want sorted", got)
	}
	if v, err := r.Lookup("dense"); err != nil || v != 2 {
		t.Errorf("Lookup(dense) = %v, %v", v, err)
	}
	tests := []struct{ name, want string }{
		{"conv2", `unknown widget "conv2" (known: batchnorm, conv2d, dense); did you mean "conv2d"?`},
		{"Dense", `unknown widget "Dense" (known: batchnorm, conv2d, dense); did you mean "dense"?`},
		{"batchnrom", `unknown widget "batchnrom" (known: batchnorm, conv2d, dense); did you mean "batchnorm"?`},
		{"lstm", `unknown widget "lstm" (known: batchnorm, conv2d, dense)`},
	}
	for _, tt := range tests {
		_, err := r.Lookup(tt.name)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Lookup(%q) error = %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(r *Registry[int])
	}{
		{"empty", func(r *Registry[int]) { r.Register("", 1) }},
		{"duplicate", func(r *Registry[int]) { r.Register("a", 1); r.Register("a", 2) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			tt.fn(New[int]("widget"))
		})
	}
}
