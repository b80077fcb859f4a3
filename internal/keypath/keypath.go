package keypath

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Seg is one step of a Path: a mapping key, or a list index when IsIndex.
type Seg struct {
	Key     string
	Index   int
	IsIndex bool
}

// Path is a parsed key path.
type Path []Seg

// Parse parses s as a key path.
func Parse(s string) (Path, error) {
	if s == "" {
		return nil, fmt.Errorf("empty key path")
	}
	var p Path
	i := 0
	expectKey := true
	for i < len(s) {
		switch {
		case expectKey:
			j := i
			for j < len(s) && isKeyChar(s[j], j == i) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("invalid key path %q: expected a key at offset %d", s, i)
			}
			p = append(p, Seg{Key: s[i:j]})
			i = j
			expectKey = false
		case s[i] == '.':
			i++
			expectKey = true
			if i == len(s) {
				return nil, fmt.Errorf("invalid key path %q: ends with '.'", s)
			}
		case s[i] == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("invalid key path %q: unclosed '['", s)
			}
			num := s[i+1 : i+j]
			n, err := strconv.Atoi(num)
			if err != nil || n < 0 || num == "" || (len(num) > 1 && num[0] == '0') || num[0] == '+' {
				return nil, fmt.Errorf("invalid key path %q: index %q is not a non-negative integer", s, num)
			}
			p = append(p, Seg{Index: n, IsIndex: true})
			i += j + 1
		default:
			return nil, fmt.Errorf("invalid key path %q: unexpected %q at offset %d", s, s[i], i)
		}
	}
	return p, nil
}

// MustParse is Parse for paths known to be valid; it panics otherwise.
func MustParse(s string) Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

func isKeyChar(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

// String formats p in the grammar Parse reads.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if s.IsIndex {
			fmt.Fprintf(&b, "[%d]", s.Index)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
	}
	return b.String()
}

// HasPrefix reports whether q is p or a path above it.
func (p Path) HasPrefix(q Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Get returns the node at p below root.
func Get(root *yaml.Node, p Path) (*yaml.Node, error) {
	n := resolve(root)
	for i, s := range p {
		switch {
		case s.IsIndex:
			if n == nil || n.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%s is not a list", p[:i])
			}
			if s.Index >= len(n.Content) {
				return nil, fmt.Errorf("%s has %d items, no index %d", p[:i], len(n.Content), s.Index)
			}
			n = resolve(n.Content[s.Index])
		default:
			if n == nil || n.Kind != yaml.MappingNode {
				if i == 0 {
					return nil, fmt.Errorf("the document is not a mapping")
				}
				return nil, fmt.Errorf("%s is not a mapping", p[:i])
			}
			var found *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == s.Key {
					found = resolve(n.Content[j+1])
				}
			}
			if found == nil {
				return nil, fmt.Errorf("%s is not set", p[:i+1])
			}
			n = found
		}
	}
	return n, nil
}

// Set puts value at p below root, replacing what is there. Missing mapping
// keys are created (as are empty mappings or nulls on the way); list indices
// must exist.
func Set(root *yaml.Node, p Path, value *yaml.Node) error {
	if len(p) == 0 {
		return fmt.Errorf("empty key path")
	}
	n := resolve(root)
	for i, s := range p {
		last := i == len(p)-1
		if s.IsIndex {
			if n.Kind != yaml.SequenceNode {
				return fmt.Errorf("%s is not a list", p[:i])
			}
			if s.Index >= len(n.Content) {
				return fmt.Errorf("%s has %d items, no index %d", p[:i], len(n.Content), s.Index)
			}
			if last {
				n.Content[s.Index] = value
				return nil
			}
			n = resolve(n.Content[s.Index])
			continue
		}
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
		}
		if n.Kind != yaml.MappingNode {
			if i == 0 {
				return fmt.Errorf("the document is not a mapping")
			}
			return fmt.Errorf("%s is not a mapping", p[:i])
		}
		idx := -1
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == s.Key {
				idx = j
			}
		}
		if idx < 0 {
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Key}
			var child *yaml.Node
			if last {
				child = value
			} else if p[i+1].IsIndex {
				return fmt.Errorf("%s is not set, so it has no index %d", p[:i+1], p[i+1].Index)
			} else {
				child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			n.Content = append(n.Content, key, child)
			if last {
				return nil
			}
			n = child
			continue
		}
		if last {
			n.Content[idx+1] = value
			return nil
		}
		n = resolve(n.Content[idx+1])
	}
	return nil
}

// Lookup returns the value at p in v, a tree of map[string]any and []any (as
// decoded from JSON or YAML), and whether it was there.
func Lookup(v any, p Path) (any, bool) {
	for _, s := range p {
		if s.IsIndex {
			l, ok := v.([]any)
			if !ok || s.Index >= len(l) {
				return nil, false
			}
			v = l[s.Index]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok = m[s.Key]
		if !ok {
			return nil, false
		}
	}
	return v, true
}
