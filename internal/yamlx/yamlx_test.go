package yamlx

import (
	"strings"
	"testing"
)

type inner struct {
	K int `yaml:"k"`
}

type sample struct {
	Name  string            `yaml:"name"`
	N     int               `yaml:"n"`
	F     float64           `yaml:"f"`
	B     bool              `yaml:"b"`
	L     []int             `yaml:"l"`
	M     map[string]string `yaml:"m"`
	P     *inner            `yaml:"p"`
	In    inner             `yaml:",inline"`
	Skip  string            `yaml:"-"`
	Other any               `yaml:"other"`
}

func decode(t *testing.T, src string) (*sample, ErrorList) {
	t.Helper()
	doc, err := Parse("f.yaml", []byte(src))
	if err != nil {
		return nil, err.(ErrorList)
	}
	r := NewReporter(doc)
	s := &sample{N: 7}
	Decode(r, s)
	return s, r.Errors()
}

func TestDecode(t *testing.T) {
	s, errs := decode(t, "name: x\nf: 1e-4\nb: true\nl: [1, 2]\nm: {a: b}\np: {k: 3}\nk: 4\nother: [1, {z: 2.5}]\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if s.Name != "x" || s.N != 7 || s.F != 1e-4 || !s.B || len(s.L) != 2 || s.M["a"] != "b" || s.P.K != 3 || s.In.K != 4 {
		t.Errorf("decoded %+v", s)
	}
	if o, ok := s.Other.([]any); !ok || o[0] != int64(1) || o[1].(map[string]any)["z"] != 2.5 {
		t.Errorf("generic value %#v", s.Other)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"n: x", `f.yaml:1:4: n: must be an integer, got "x"`},
		{"n: 1.5", `f.yaml:1:4: n: must be an integer, got 1.5`},
		{"n: 1e3\nb: yes", `f.yaml:2:4: b: must be true or false, got "yes"`},
		{"f: [1]", `f.yaml:1:4: f: must be a number, got a list`},
		{"nmae: x", `f.yaml:1:1: nmae: unknown key "nmae" (known: b, f, k, l, m, n, name, other, p); did you mean "name"?`},
		{"skip: x", `f.yaml:1:1: skip: unknown key "skip" (known: b, f, k, l, m, n, name, other, p)`},
		{"n: 1\nn: 2", `f.yaml:2:1: n: duplicate key "n" (first at line 1)`},
		{"l: {a: 1}", `f.yaml:1:4: l: must be a list, got a mapping`},
		{"l: [1, x]", `f.yaml:1:8: l[1]: must be an integer, got "x"`},
		{"p: 3", `f.yaml:1:4: p: must be a mapping, got 3`},
		{"name: ~", `f.yaml:1:7: name: must be a string, got null`},
		{"n: 99999999999999999999", `f.yaml:1:4: n: must be an integer, got 99999999999999999999`},
		{"a: [\n", `f.yaml:1: invalid YAML: did not find expected node content`},
		{"a: 1\n---\nb: 2\n", `f.yaml:2:1: a config file holds one YAML document; found a second one`},
		{"a: &x [*x]\n", `f.yaml:1:1: an alias refers to a node that contains it`},
	} {
		_, errs := decode(t, tt.src)
		if got := errs.Error(); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestAliasBomb(t *testing.T) {
	src := "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h"} {
		src += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",") + "]\n"
		prev = n
	}
	_, err := Parse("bomb.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("alias bomb: %v", err)
	}
}

func TestEncodeCanonical(t *testing.T) {
	s := sample{Name: "n", N: 3, F: 0.0001, L: []int{1, 2}, M: map[string]string{"b": "1", "a": "2"}, In: inner{K: 5}}
	y := Marshal(Encode(s))
	want := "name: n\nn: 3\nf: 0.0001\nb: false\nl: [1, 2]\nm:\n  a: \"2\"\n  b: \"1\"\nk: 5\n"
	if y != want {
		t.Errorf("Marshal:\n%s\nwant:\n%s", y, want)
	}
	s2 := s
	s2.F = 1e-4
	if string(CanonicalJSON(Encode(s))) != string(CanonicalJSON(Encode(s2))) {
		t.Error("canonical JSON differs for equal values")
	}
}

func TestSortAndLabels(t *testing.T) {
	doc, _ := Parse("f.yaml", []byte("a: 1\nb: 2\n"))
	r := NewReporter(doc)
	_, v := MapGet(doc.Root, "b")
	doc.Label(v, "--set #10")
	r.Field("b").Errorf("late")
	_, v2 := MapGet(doc.Root, "a")
	doc.Label(v2, "--set #2")
	r.Field("a").Errorf("early")
	r.Errorf("root")
	got := r.Errors().Error()
	want := "f.yaml:1:1: root\n--set #2: a: early\n--set #10: b: late"
	if got != want {
		t.Errorf("sorted:\n%s\nwant:\n%s", got, want)
	}
}
