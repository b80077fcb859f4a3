// Package errlist collects the problems found in one pass over a user's
// input, so that they are reported at once: the first Max of them, and
// how many more there were.
package errlist

import (
	"fmt"
	"strings"
)

// Max caps the problems a List keeps: enough to see a pattern in a bad
// file, few enough to read.
const Max = 20

// List is every problem found in one pass over input, reported at once.
type List struct {
	List []error // the first Max problems, in input order
	More int     // how many more were found
}

// Error prints one problem per line, then how many more there were.
func (e *List) Error() string {
	var b strings.Builder
	for i, err := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(err.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n%s", e.MoreText())
	}
	return b.String()
}

// MoreText is the line that counts the problems left out: "… and 7 more".
func (e *List) MoreText() string { return fmt.Sprintf("… and %d more", e.More) }

// Unwrap gives errors.Is and errors.As the listed problems.
func (e *List) Unwrap() []error { return e.List }

// Add records err (nil is ignored), counting it past the cap.
func (e *List) Add(err error) {
	switch {
	case err == nil:
	case len(e.List) < Max:
		e.List = append(e.List, err)
	default:
		e.More++
	}
}

// Merge adds every problem of o after e's.
func (e *List) Merge(o *List) {
	for _, err := range o.List {
		e.Add(err)
	}
	e.More += o.More
}

// Len is the number of problems found.
func (e *List) Len() int { return len(e.List) + e.More }

// Err returns e, or nil when nothing was added.
func (e *List) Err() error {
	if e.Len() == 0 {
		return nil
	}
	return e
}
