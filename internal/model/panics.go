package model

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/gomlx/gomlx/backends"
)

// PanicError is a panic that Catch stopped. GoMLX reports a graph it
// cannot build or run by panicking; exp reports it as an error instead.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack, where it was stopped
}

// Error returns the panic's message: an error value's Error(), else the
// value as fmt.Sprint writes it.
func (e *PanicError) Error() string {
	if err, ok := e.Value.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(e.Value)
}

// Brief returns the message's first line: GoMLX's errors carry a stack
// trace after it.
func (e *PanicError) Brief() string {
	msg, _, _ := strings.Cut(e.Error(), "\n")
	return msg
}

// Catch calls f and returns what it panicked with, or nil when it
// returned. It is exp's one boundary between GoMLX's panics and errors:
// building layers and models, creating backends (NewBackend), training
// (package train) and predicting (package infer) all go through it, so one
// bad model or trial is an error, not the end of the process.
func Catch(f func()) (p *PanicError) {
	defer func() {
		if r := recover(); r != nil {
			p = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	f()
	return nil
}

// NewBackend creates the GoMLX backend a config's backend key names
// (backends.NewWithConfig), a panic in doing so becoming an error.
func NewBackend(spec string) (backends.Backend, error) {
	var b backends.Backend
	var err error
	if p := Catch(func() { b, err = backends.NewWithConfig(spec) }); p != nil {
		return nil, fmt.Errorf("cannot create backend %q: %v", spec, p)
	}
	return b, err
}
