package yamlx

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Reporter collects errors while a document is decoded or validated. Each
// Reporter points at one node and its key path; Field and Index step down into
// children, sharing one error list, so a validation method can report against
// exactly the key that is wrong.
type Reporter struct {
	doc  *Doc
	errs *ErrorList
	path string
	node *yaml.Node
}

// NewReporter returns a Reporter at doc's root.
func NewReporter(doc *Doc) *Reporter {
	return &Reporter{doc: doc, errs: &ErrorList{}, node: doc.Root}
}

// At returns a Reporter sharing r's errors for node at path (a full key path).
func (r *Reporter) At(path string, node *yaml.Node) *Reporter {
	return &Reporter{doc: r.doc, errs: r.errs, path: path, node: Resolve(node)}
}

// Doc returns the document r reports on.
func (r *Reporter) Doc() *Doc { return r.doc }

// Node returns the node r points at (nil when it has none).
func (r *Reporter) Node() *yaml.Node { return r.node }

// Path returns r's key path, such as "model.layers[3]".
func (r *Reporter) Path() string { return r.path }

// Loc returns where r's node came from.
func (r *Reporter) Loc() Loc { return r.doc.Loc(r.node) }

// JoinPath appends a key to a key path.
func JoinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Field returns a Reporter for key name of r's mapping. When the key is
// absent the child still has the longer path but points at r's node, so that
// an error about a missing or defaulted key is reported at its parent.
func (r *Reporter) Field(name string) *Reporter {
	c := &Reporter{doc: r.doc, errs: r.errs, path: JoinPath(r.path, name), node: r.node}
	if _, v := MapGet(r.node, name); v != nil {
		c.node = v
	}
	return c
}

// Key returns a Reporter pointing at the key node of name (rather than its
// value), for errors about the key itself.
func (r *Reporter) Key(name string) *Reporter {
	c := r.Field(name)
	if k, _ := MapGet(r.node, name); k != nil {
		c.node = k
	}
	return c
}

// Index returns a Reporter for element i of r's list.
func (r *Reporter) Index(i int) *Reporter {
	c := &Reporter{doc: r.doc, errs: r.errs, path: r.path + "[" + strconv.Itoa(i) + "]", node: r.node}
	if n := Resolve(r.node); n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		c.node = Resolve(n.Content[i])
	}
	return c
}

// Errorf records an error at r's node and path. Only the first error about a
// key path is kept: a value that failed to decode is not also reported as
// out of range.
func (r *Reporter) Errorf(format string, args ...any) {
	if r.path != "" {
		for _, e := range *r.errs {
			if e.Path == r.path && e.Loc.Label == r.Loc().Label {
				return
			}
		}
	}
	*r.errs = append(*r.errs, &Error{Loc: r.Loc(), Path: r.path, Msg: fmt.Sprintf(format, args...)})
}

// Has reports whether r's mapping has key.
func (r *Reporter) Has(key string) bool {
	_, v := MapGet(r.node, key)
	return v != nil
}

// Add records errors found elsewhere, as they are.
func (r *Reporter) Add(errs ...*Error) { *r.errs = append(*r.errs, errs...) }

// Count returns how many errors have been recorded so far.
func (r *Reporter) Count() int { return len(*r.errs) }

// Errors returns the errors recorded, sorted by position.
func (r *Reporter) Errors() ErrorList {
	l := append(ErrorList(nil), *r.errs...)
	l.Sort()
	return l
}

// Err returns the sorted errors as an error, or nil if there are none.
func (r *Reporter) Err() error { return r.Errors().Err() }
