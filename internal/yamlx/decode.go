package yamlx

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/exp-runner/exp/internal/suggest"
)

// Unmarshaler is implemented by types that decode themselves from r.Node(),
// reporting problems through r.
type Unmarshaler interface {
	UnmarshalYAMLX(r *Reporter)
}

var unmarshalerType = reflect.TypeFor[Unmarshaler]()

// Decode decodes r's node into v, which must be a non-nil pointer. Problems
// are recorded in r; decoding goes on past them so that one pass finds them all.
// Absent keys leave fields as they were (their defaults).
func Decode(r *Reporter, v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("yamlx.Decode: need a non-nil pointer, got %T", v))
	}
	decodeValue(r, rv.Elem())
}

func decodeValue(r *Reporter, v reflect.Value) {
	n := Resolve(r.node)
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if v.Kind() == reflect.Pointer && v.IsNil() && !IsNull(n) {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v.Addr().Interface().(Unmarshaler).UnmarshalYAMLX(r)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if IsNull(n) {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		decodeValue(r, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[yaml.Node]() {
			if n != nil {
				v.Set(reflect.ValueOf(*n))
			}
			return
		}
		decodeStruct(r, v)
	case reflect.Slice:
		decodeSlice(r, v)
	case reflect.Map:
		decodeMap(r, v)
	case reflect.Interface:
		if v.NumMethod() != 0 {
			r.Errorf("cannot decode into %s", v.Type())
			return
		}
		if val, ok := Value(r); ok {
			if val == nil {
				v.SetZero()
			} else {
				v.Set(reflect.ValueOf(val))
			}
		}
	case reflect.String:
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			r.Errorf("must be a string, got %s", Describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			r.Errorf("must be true or false, got %s", Describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := ScalarInt(n)
		if !ok {
			r.Errorf("must be an integer, got %s", Describe(n))
			return
		}
		if v.OverflowInt(i) {
			r.Errorf("%d is out of range", i)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		i, ok := ScalarInt(n)
		if !ok || i < 0 {
			r.Errorf("must be a non-negative integer, got %s", Describe(n))
			return
		}
		if v.OverflowUint(uint64(i)) {
			r.Errorf("%d is out of range", i)
			return
		}
		v.SetUint(uint64(i))
	case reflect.Float32, reflect.Float64:
		f, ok := ScalarFloat(n)
		if !ok {
			r.Errorf("must be a number, got %s", Describe(n))
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("yamlx: cannot decode into %s", v.Type()))
	}
}

// ScalarInt returns n's value as an integer: an !!int scalar, or an !!float one
// whose value is a whole number (so 1e3 is 1000).
func ScalarInt(n *yaml.Node) (int64, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.Tag {
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return 0, false
		}
		return i, true
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// ScalarFloat returns n's value as a number (an !!int or !!float scalar).
func ScalarFloat(n *yaml.Node) (float64, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, false
	}
	return f, true
}

// Value decodes r's node generically: nil, bool, int64, float64, string,
// []any or map[string]any. It reports an error and returns false for what
// cannot be decoded (a mapping with non-string or duplicate keys).
func Value(r *Reporter) (any, bool) {
	n := Resolve(r.node)
	switch {
	case n == nil:
		return nil, true
	case n.Kind == yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			_ = n.Decode(&b)
			return b, true
		case "!!int":
			if i, ok := ScalarInt(n); ok {
				return i, true
			}
			f, _ := ScalarFloat(n)
			return f, true
		case "!!float":
			f, _ := ScalarFloat(n)
			return f, true
		}
		return n.Value, true
	case n.Kind == yaml.SequenceNode:
		out := make([]any, len(n.Content))
		ok := true
		for i := range n.Content {
			var o bool
			out[i], o = Value(r.Index(i))
			ok = ok && o
		}
		return out, ok
	case n.Kind == yaml.MappingNode:
		out := map[string]any{}
		ok := true
		for _, key := range mappingKeys(r) {
			var o bool
			out[key], o = Value(r.Field(key))
			ok = ok && o
		}
		return out, ok
	}
	r.Errorf("unsupported YAML node")
	return nil, false
}

// mappingKeys returns the keys of r's mapping in order, reporting duplicate and
// non-scalar keys (which are then left out).
func mappingKeys(r *Reporter) []string {
	n := Resolve(r.node)
	seen := map[string]*yaml.Node{}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := Resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			r.At(r.path, k).Errorf("a key must be a plain name, got %s", Describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			r.At(r.path, k).Errorf("merge keys (<<) are not supported")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			r.At(JoinPath(r.path, k.Value), k).Errorf("duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		keys = append(keys, k.Value)
	}
	return keys
}

// Fields returns the YAML keys of struct value v in declaration order,
// looking through fields tagged `yaml:",inline"` (structs, pointers to
// structs, and interfaces holding pointers to structs).
func Fields(v any) []string {
	var names []string
	for _, f := range structFields(reflect.Indirect(reflect.ValueOf(v))) {
		names = append(names, f.name)
	}
	return names
}

type fieldRef struct {
	name  string
	value reflect.Value
}

// tagField is an exported struct field with its YAML tag parsed.
type tagField struct {
	index            int
	name             string
	inline, omitzero bool
}

// tagFields lists t's exported fields that YAML sees: their key (from the
// yaml tag, else the lower-cased field name) and options; "-" fields are
// left out.
func tagFields(t reflect.Type) []tagField {
	var out []tagField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, tagField{index: i, name: name, inline: strings.Contains(opts, "inline"), omitzero: strings.Contains(opts, "omitempty")})
	}
	return out
}

// structFields lists v's fields by YAML key; v must be addressable for the
// returned values to be settable.
func structFields(v reflect.Value) []fieldRef {
	var out []fieldRef
	for _, f := range tagFields(v.Type()) {
		fv := v.Field(f.index)
		if !f.inline {
			out = append(out, fieldRef{name: f.name, value: fv})
			continue
		}
		switch fv.Kind() {
		case reflect.Struct:
			out = append(out, structFields(fv)...)
		case reflect.Pointer:
			if fv.IsNil() && fv.CanSet() {
				fv.Set(reflect.New(fv.Type().Elem()))
			}
			if !fv.IsNil() {
				out = append(out, structFields(fv.Elem())...)
			}
		case reflect.Interface:
			if !fv.IsNil() && fv.Elem().Kind() == reflect.Pointer && fv.Elem().Elem().Kind() == reflect.Struct {
				out = append(out, structFields(fv.Elem().Elem())...)
			}
		}
	}
	return out
}

// mapping returns r's node if it is a mapping; for null it returns nil
// silently, for anything else it reports an error.
func mapping(r *Reporter) *yaml.Node {
	n := Resolve(r.node)
	if IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.Errorf("must be a mapping, got %s", Describe(n))
		return nil
	}
	return n
}

func decodeStruct(r *Reporter, v reflect.Value) {
	if mapping(r) == nil {
		return
	}
	fields := structFields(v)
	byName := map[string]reflect.Value{}
	var known []string
	for _, f := range fields {
		byName[f.name] = f.value
		known = append(known, f.name)
	}
	for _, key := range mappingKeys(r) {
		fv, ok := byName[key]
		if !ok {
			UnknownKey(r, key, known)
			continue
		}
		decodeValue(r.Field(key), fv)
	}
}

// UnknownKey reports key of r's mapping as unknown, listing the known keys and
// suggesting the nearest.
func UnknownKey(r *Reporter, key string, known []string) {
	known = append([]string(nil), known...)
	sort.Strings(known)
	msg := fmt.Sprintf("unknown key %q (known: %s)", key, strings.Join(known, ", "))
	if s := suggest.Nearest(key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	r.Key(key).Errorf("%s", msg)
}

// CheckKeys reports every key of r's mapping that is not in known, and
// duplicate keys. It returns the keys in order.
func CheckKeys(r *Reporter, known []string) []string {
	keys := mappingKeys(r)
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	for _, k := range keys {
		if !ok[k] {
			UnknownKey(r, k, known)
		}
	}
	return keys
}

func decodeSlice(r *Reporter, v reflect.Value) {
	n := Resolve(r.node)
	if IsNull(n) {
		v.SetZero()
		return
	}
	if n.Kind != yaml.SequenceNode {
		r.Errorf("must be a list, got %s", Describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i := range n.Content {
		decodeValue(r.Index(i), s.Index(i))
	}
	v.Set(s)
}

func decodeMap(r *Reporter, v reflect.Value) {
	if mapping(r) == nil {
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic("yamlx: map keys must be strings")
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, key := range mappingKeys(r) {
		ev := reflect.New(v.Type().Elem()).Elem()
		decodeValue(r.Field(key), ev)
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), ev)
	}
}
