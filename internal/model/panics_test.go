package model

import (
	"errors"
	"strings"
	"testing"
)

// panicker returns a function that panics with v, on line 10 of this file.
func panicker(v any) func() { return func() { panic(v) } }

// TestCatch: Catch returns nil when f returns, and otherwise the panic's
// value, message, first line and the stack where it happened.
func TestCatch(t *testing.T) {
	ran := false
	if p := Catch(func() { ran = true }); p != nil || !ran {
		t.Fatalf("Catch of a function that returns: %v (ran %v)", p, ran)
	}
	gomlxErr := errors.New("Shape mismatch (2, 3) vs (3, 2)\ngithub.com/gomlx/gomlx/pkg/core/graph.Dot\n\tdot.go:12")
	for _, tt := range []struct {
		v            any
		msg, brief   string
		errorIsValue bool
	}{
		{gomlxErr, gomlxErr.Error(), "Shape mismatch (2, 3) vs (3, 2)", true},
		{"boom", "boom", "boom", false},
		{42, "42", "42", false},
	} {
		p := Catch(panicker(tt.v))
		if p == nil || p.Value != tt.v || p.Error() != tt.msg || p.Brief() != tt.brief {
			t.Errorf("Catch(panic(%v)) = %+v", tt.v, p)
			continue
		}
		if !strings.Contains(string(p.Stack), "panics_test.go:10 ") {
			t.Errorf("the stack does not show where the panic happened:\n%s", p.Stack)
		}
	}
}

// TestNewBackend: a backend that cannot be created is an error naming it,
// not a panic.
func TestNewBackend(t *testing.T) {
	if _, err := NewBackend("nosuchbackend"); err == nil || !strings.Contains(err.Error(), "nosuchbackend") {
		t.Errorf("NewBackend(nosuchbackend) = %v, want an error naming it", err)
	}
	b, err := NewBackend("go")
	if err != nil || b == nil {
		t.Fatalf("NewBackend(go) = %v, %v", b, err)
	}
	b.Finalize()
}
