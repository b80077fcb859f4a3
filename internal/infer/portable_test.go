package infer

import (
	"strings"
	"testing"
)

func TestPortablePreprocessing(t *testing.T) {
	old := `{
  "version": 1,
  "target": "species",
  "task": "classification",
  "task_reason": "inferred: column \"species\" has non-numeric values, e.g. \"b\" at /tmp/TestExampleModel1827836418/001/train.csv:2",
  "classes": ["a", "b"]
}`
	got := string(PortablePreprocessing([]byte(old)))
	want := strings.Replace(old, "/tmp/TestExampleModel1827836418/001/train.csv:2", "train.csv:2", 1)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, same := range []string{`{"task_reason": "inferred: y has dtype int64"}`, `not json`, ``} {
		if got := string(PortablePreprocessing([]byte(same))); got != same {
			t.Errorf("%q became %q", same, got)
		}
	}
}
