package yamlx

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Marshaler is implemented by types that encode themselves.
type Marshaler interface {
	MarshalYAMLX() *yaml.Node
}

var marshalerType = reflect.TypeFor[Marshaler]()

// Encode turns v into a yaml.Node: structs become mappings in field order
// (keys from `yaml` tags; nil pointers, nil interfaces and fields tagged
// `omitempty` with zero values are left out), maps become mappings sorted by
// key, slices become flow-style lists of scalars or block lists otherwise.
func Encode(v any) *yaml.Node {
	return encodeValue(reflect.ValueOf(v))
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// FormatFloat formats f the shortest way that reads back to the same float64,
// as a YAML float: 0.0001, 1e-07, 128.0.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // 128.0, not 128: stays a float in YAML
	}
	return s
}

func encodeValue(v reflect.Value) *yaml.Node {
	if !v.IsValid() {
		return scalar("!!null", "null")
	}
	if v.Type().Implements(marshalerType) && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		return v.Interface().(Marshaler).MarshalYAMLX()
	}
	if v.CanAddr() && v.Addr().Type().Implements(marshalerType) {
		return v.Addr().Interface().(Marshaler).MarshalYAMLX()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return scalar("!!null", "null")
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			// Let value-receiver and pointer-receiver marshalers both apply.
			return encodeValue(v.Elem())
		}
		return encodeValue(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[yaml.Node]() {
			n := v.Interface().(yaml.Node)
			return &n
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		encodeStructInto(m, v)
		return m
	case reflect.Map:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			m.Content = append(m.Content, scalar("!!str", k.String()), encodeValue(v.MapIndex(k)))
		}
		return m
	case reflect.Slice, reflect.Array:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for i := range v.Len() {
			e := encodeValue(v.Index(i))
			if e.Kind != yaml.ScalarNode {
				s.Style = 0
			}
			s.Content = append(s.Content, e)
		}
		return s
	case reflect.String:
		return scalar("!!str", v.String())
	case reflect.Bool:
		return scalar("!!bool", strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalar("!!int", strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return scalar("!!float", FormatFloat(v.Float()))
	}
	panic(fmt.Sprintf("yamlx: cannot encode %s", v.Type()))
}

func encodeStructInto(m *yaml.Node, v reflect.Value) {
	for _, f := range tagFields(v.Type()) {
		fv := v.Field(f.index)
		if f.inline {
			for (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct || fv.Kind() == reflect.Map {
				if n := encodeValue(fv); n.Kind == yaml.MappingNode {
					m.Content = append(m.Content, n.Content...)
				}
			}
			continue
		}
		if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && fv.IsNil() {
			continue
		}
		if f.omitzero && fv.IsZero() {
			continue
		}
		m.Content = append(m.Content, scalar("!!str", f.name), encodeValue(fv))
	}
}

// Marshal renders n as YAML text with two-space indentation.
func Marshal(n *yaml.Node) string {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		panic(fmt.Sprintf("yamlx: encode: %v", err))
	}
	_ = enc.Close()
	return b.String()
}

// CanonicalJSON renders n as JSON with mapping keys sorted and numbers as
// float64, so that equal values give equal text whatever their spelling in
// YAML (1e-4 and 0.0001, 10 and 10.0).
func CanonicalJSON(n *yaml.Node) []byte {
	b, err := json.Marshal(jsonValue(n))
	if err != nil {
		panic(fmt.Sprintf("yamlx: canonical JSON: %v", err))
	}
	return b
}

func jsonValue(n *yaml.Node) any {
	n = Resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = jsonValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = jsonValue(c)
		}
		return s
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true"
	case "!!int", "!!float":
		f, ok := ScalarFloat(n)
		if !ok {
			return n.Value
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return FormatFloat(f)
		}
		return f
	}
	return n.Value
}
