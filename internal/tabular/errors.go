package tabular

import (
	"fmt"
	"strings"

	"github.com/exp-runner/exp/internal/errlist"
)

// MaxErrors caps the problems an Errors keeps: enough to see a pattern in a
// bad file, few enough to read.
const MaxErrors = errlist.Max

// Errors is every problem found in one pass over input, reported at once:
// the first MaxErrors, and how many more there were.
type Errors = errlist.List

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
