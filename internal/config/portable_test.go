package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
)

// TestPortable: an absolute data path (as --set writes it) becomes its
// base name; everything else in the resolved config stays as it was.
func TestPortable(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.csv")
	os.WriteFile(data, []byte("a,y\n1,0.5\n2,1.5\n3,2.5\n"), 0o644)
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("data: {dataset: csv, path: rows.csv, target: y}\nmodel: {layers: [{type: dense, units: 1}]}\n"), 0o644)
	c, err := config.Load(file, []config.Override{{Label: "--set #1", Expr: "data.path=" + data}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.YAML(), "path: "+data) {
		t.Fatalf("the --set path is not absolute:\n%s", c.YAML())
	}
	p, err := c.Portable()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.YAML(), strings.Replace(c.YAML(), "path: "+data, "path: rows.csv", 1); got != want {
		t.Errorf("portable config:\n%s\nwant:\n%s", got, want)
	}
	if p.Data.Params.Info().Shape[0] != 1 {
		t.Errorf("data description lost: %+v", p.Data.Params.Info())
	}
	rel, _ := config.Load(file, nil)
	if q, _ := rel.Portable(); q != rel {
		t.Error("a config without absolute paths was copied")
	}
}
