package yamlx

import (
	"fmt"
	"sort"
	"strings"
)

// Loc is where a value came from: a position in a file, or a label such as
// "--set #2" for a value given on the command line.
type Loc struct {
	File      string
	Line, Col int
	Label     string // when set, printed instead of File:Line:Col
}

// String formats the location as "FILE:LINE:COL", "FILE:LINE", "FILE" or the label.
func (l Loc) String() string {
	switch {
	case l.Label != "":
		return l.Label
	case l.Line > 0 && l.Col > 0:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Col)
	case l.Line > 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	default:
		return l.File
	}
}

// Error is one problem found in a document: where, at which key path, and what.
type Error struct {
	Loc  Loc
	Path string // key path such as "model.layers[3].type"; empty for the document itself
	Msg  string
}

// Error formats the error as "LOC: PATH: MSG" (or "LOC: MSG" without a path).
func (e *Error) Error() string {
	loc := e.Loc.String()
	switch {
	case loc == "" && e.Path == "":
		return e.Msg
	case loc == "":
		return e.Path + ": " + e.Msg
	case e.Path == "":
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}

// ErrorList is every error found in a document, in the order Sort leaves them.
type ErrorList []*Error

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Sort orders the errors by file position (errors from the file first, by line
// and column), then labelled ones (command-line flags) in label order, keeping
// the order in which they were found among equals. Exact duplicates are dropped.
func (l *ErrorList) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i].Loc, s[j].Loc
		if (a.Label == "") != (b.Label == "") {
			return a.Label == ""
		}
		if a.Label != "" {
			return labelLess(a.Label, b.Label)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := s[:0]
	seen := map[string]bool{}
	for _, e := range s {
		k := e.Error()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	*l = out
}

// labelLess orders "--set #2" before "--set #10".
func labelLess(a, b string) bool {
	var na, nb int
	pa, _ := fmt.Sscanf(a[strings.LastIndexByte(a, '#')+1:], "%d", &na)
	pb, _ := fmt.Sscanf(b[strings.LastIndexByte(b, '#')+1:], "%d", &nb)
	if pa == 1 && pb == 1 && strings.Contains(a, "#") && strings.Contains(b, "#") {
		pre := a[:strings.LastIndexByte(a, '#')]
		preb := b[:strings.LastIndexByte(b, '#')]
		if pre == preb {
			return na < nb
		}
	}
	return a < b
}
