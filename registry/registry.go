package registry

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/exp-runner/exp/internal/suggest"
)

// Registry maps names to values of type T. The zero value is not usable; create
// one with New. It is safe for concurrent use.
type Registry[T any] struct {
	kind string
	mu   sync.RWMutex
	m    map[string]T
}

// New returns an empty registry. kind names what it holds ("layer",
// "optimizer", …) and appears in lookup errors.
func New[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, m: map[string]T{}}
}

// Kind returns what the registry holds, as given to New.
func (r *Registry[T]) Kind() string { return r.kind }

// Register adds v under name. It panics if name is empty or already registered:
// both are programming errors, found the first time the binary starts.
func (r *Registry[T]) Register(name string, v T) {
	if name == "" {
		panic(fmt.Sprintf("registry: Register of a %s with an empty name", r.kind))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("registry: Register called twice for %s %q", r.kind, name))
	}
	r.m[name] = v
}

// Names returns the registered names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the value registered under name, or an *UnknownError.
func (r *Registry[T]) Lookup(name string) (T, error) {
	r.mu.RLock()
	v, ok := r.m[name]
	r.mu.RUnlock()
	if !ok {
		var zero T
		return zero, &UnknownError{Kind: r.kind, Name: name, Known: r.Names()}
	}
	return v, nil
}

// Has reports whether name is registered.
func (r *Registry[T]) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.m[name]
	return ok
}

// UnknownError is returned by Lookup for a name that is not registered.
type UnknownError struct {
	Kind  string   // what was looked up: "layer", "optimizer", …
	Name  string   // the name asked for
	Known []string // the registered names, sorted
}

// Error formats the error as
// `unknown layer "conv2" (known: a, b, c); did you mean "conv2d"?`.
func (e *UnknownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown %s %q (known: %s)", e.Kind, e.Name, strings.Join(e.Known, ", "))
	if s := suggest.Nearest(e.Name, e.Known); s != "" {
		fmt.Fprintf(&b, "; did you mean %q?", s)
	}
	return b.String()
}
