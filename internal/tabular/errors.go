package tabular

import (
	"fmt"
	"strings"
)

// MaxErrors caps the problems an Errors keeps: enough to see a pattern in a
// bad file, few enough to read.
const MaxErrors = 20

// Errors is every problem found in one pass over input, reported at once.
type Errors struct {
	List []error // the first MaxErrors problems, in file order
	More int     // how many more were found
}

// Error prints one problem per line, then how many more there were.
func (e *Errors) Error() string {
	var b strings.Builder
	for i, err := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(err.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n… and %d more", e.More)
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As the listed problems.
func (e *Errors) Unwrap() []error { return e.List }

// Add records err, counting it past the cap.
func (e *Errors) Add(err error) {
	if len(e.List) < MaxErrors {
		e.List = append(e.List, err)
	} else {
		e.More++
	}
}

// Merge adds every problem of o after e's.
func (e *Errors) Merge(o *Errors) {
	for _, err := range o.List {
		e.Add(err)
	}
	e.More += o.More
}

// Len is the number of problems found.
func (e *Errors) Len() int { return len(e.List) + e.More }

// Err returns e, or nil when nothing was added.
func (e *Errors) Err() error {
	if e.Len() == 0 {
		return nil
	}
	return e
}

// CellError is a problem at a place in a file: a physical line (the header is
// line 1; 0 when the problem concerns the whole file) and, where known, a
// column.
type CellError struct {
	Path   string
	Line   int
	Column string // "" when the problem is not in one column
	Msg    string
}

// Error formats the problem as PATH:LINE: column "NAME": MSG.
func (e *CellError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}
