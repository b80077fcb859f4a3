package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Doc is a parsed YAML document: its root node, the file it came from, and
// labels for nodes that were put there from elsewhere (command-line flags).
type Doc struct {
	File   string
	Root   *yaml.Node // the top-level node, never a DocumentNode; an empty mapping for an empty file
	labels map[*yaml.Node]string
	files  map[*yaml.Node]string // nodes taken from other files
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses src, the contents of file, into a Doc. A syntax error is
// returned as an ErrorList with the error's line.
func Parse(file string, src []byte) (*Doc, error) {
	doc := &Doc{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var top yaml.Node
	err := dec.Decode(&top)
	switch {
	case errors.Is(err, io.EOF):
		doc.Root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
		return doc, nil
	case err != nil:
		return nil, doc.syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, ErrorList{{Loc: Loc{File: file, Line: extra.Line, Col: extra.Column}, Msg: "a config file holds one YAML document; found a second one"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, doc.syntaxError(err)
	}
	if err := checkExpansion(&top); err != nil {
		return nil, ErrorList{{Loc: Loc{File: file, Line: top.Line, Col: top.Column}, Msg: err.Error()}}
	}
	doc.Root = &top
	if top.Kind == yaml.DocumentNode {
		if len(top.Content) == 0 {
			doc.Root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
		} else {
			doc.Root = top.Content[0]
		}
	}
	if doc.Root.Kind == yaml.ScalarNode && doc.Root.Tag == "!!null" {
		doc.Root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	}
	return doc, nil
}

// maxExpandedNodes bounds the size of a document with its aliases expanded,
// so that a small file of nested aliases (a "billion laughs") cannot make
// decoding run for ever.
const maxExpandedNodes = 1 << 20

// checkExpansion returns an error if n, aliases expanded, has more than
// maxExpandedNodes nodes or an alias refers to a node that contains it.
func checkExpansion(n *yaml.Node) error {
	size := map[*yaml.Node]int{}
	const visiting = -1
	var count func(*yaml.Node) (int, error)
	count = func(n *yaml.Node) (int, error) {
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1, nil
			}
			n = n.Alias
		}
		switch s, ok := size[n]; {
		case ok && s == visiting:
			return 0, errors.New("an alias refers to a node that contains it")
		case ok:
			return s, nil
		}
		size[n] = visiting
		total := 1
		for _, c := range n.Content {
			s, err := count(c)
			if err != nil {
				return 0, err
			}
			total += s
			if total > maxExpandedNodes {
				return 0, fmt.Errorf("the document expands to more than %d nodes through its aliases", maxExpandedNodes)
			}
		}
		size[n] = total
		return total, nil
	}
	_, err := count(n)
	return err
}

func (d *Doc) syntaxError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return ErrorList{{Loc: Loc{File: d.File, Line: line}, Msg: "invalid YAML: " + m[2]}}
	}
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	return ErrorList{{Loc: Loc{File: d.File}, Msg: "invalid YAML: " + msg}}
}

// Label marks n and every node below it as coming from label (for example
// "--set #2"), so that errors about them name the label instead of a position.
func (d *Doc) Label(n *yaml.Node, label string) {
	if d.labels == nil {
		d.labels = map[*yaml.Node]string{}
	}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		d.labels[n] = label
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
}

// LabelNew labels every node that has no position in the file and no label
// yet (the nodes an override just created, keys included).
func (d *Doc) LabelNew(label string) {
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if _, ok := d.labels[n]; !ok && n.Line == 0 {
			d.Label(n, label)
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(d.Root)
}

// Adopt records that n and every node below it come from file (a node
// another document lent this one), so errors about them name that file.
func (d *Doc) Adopt(n *yaml.Node, file string) {
	if d.files == nil {
		d.files = map[*yaml.Node]string{}
	}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if _, ok := d.files[n]; ok {
			return
		}
		d.files[n] = file
		for _, c := range n.Content {
			walk(c)
		}
		walk(n.Alias)
	}
	walk(n)
}

// Loc returns where n came from.
func (d *Doc) Loc(n *yaml.Node) Loc {
	if d == nil || n == nil {
		return Loc{}
	}
	if l, ok := d.labels[n]; ok {
		return Loc{Label: l}
	}
	file := d.File
	if f, ok := d.files[n]; ok {
		file = f
	}
	return Loc{File: file, Line: n.Line, Col: n.Column}
}

// Derive returns a document with root as its root that shares d's file,
// labels and adopted nodes: a trial's config built from a sweep file's nodes
// still reports errors at their place in the file.
func (d *Doc) Derive(root *yaml.Node) *Doc {
	return &Doc{File: d.File, Root: root, labels: d.labels, files: d.files}
}

// Clone returns a deep copy of n (aliases resolved into copies of what they
// stand for), keeping each node's line and column. Labels and adopted files
// are carried over to the copies in d.
func (d *Doc) Clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	src := n
	n = Resolve(n)
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = d.Clone(ch)
	}
	if l, ok := d.labels[src]; ok {
		d.labels[&c] = l
	} else if l, ok := d.labels[n]; ok {
		d.labels[&c] = l
	}
	if f, ok := d.files[n]; ok {
		d.files[&c] = f
	}
	return &c
}

// Resolve follows alias nodes to the node they stand for.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// MapGet returns the key and value nodes of key in mapping node m (the last
// one if the key is repeated), or nils.
func MapGet(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			k, v = m.Content[i], Resolve(m.Content[i+1])
		}
	}
	return k, v
}

// IsNull reports whether n is absent or an explicit null (`~`, `null` or nothing).
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Describe names what n holds, for error messages: `"abc"`, `12`, a mapping, a list.
// A long value is cut to its first line, and to DescribeMax characters.
func Describe(n *yaml.Node) string {
	n = Resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!null":
		return "null"
	case n.Tag == "!!str":
		return Quote(n.Value)
	}
	return Cut(n.Value)
}

// DescribeMax is the most characters of a value that messages quote.
const DescribeMax = 60

// Cut returns s up to its first line break, at most DescribeMax
// characters, with "…" where it was cut.
func Cut(s string) string {
	cut := false
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s, cut = s[:i], true
	}
	if r := []rune(s); len(r) > DescribeMax {
		s, cut = string(r[:DescribeMax]), true
	}
	if cut {
		s += "…"
	}
	return s
}

// Quote is strconv.Quote of s cut as Cut does (the "…" after the quotes).
func Quote(s string) string {
	c := Cut(s)
	if c == s {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.TrimSuffix(c, "…")) + "…"
}
