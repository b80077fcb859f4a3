package cpu

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/exp-runner/exp/internal/cpu/internal/elemgen"
)

var flagUpdate = flag.Bool("update", false, "rewrite generated files that are out of date")

// TestGenerated checks that every generated file of the package is what its
// generator produces now; with -update it rewrites the ones that differ.
func TestGenerated(t *testing.T) {
	for file, generate := range map[string]func() ([]byte, error){
		"gen_elementwise.go": elemgen.Source,
	} {
		want, err := generate()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got, err := os.ReadFile(file)
		if err != nil && !*flagUpdate {
			t.Fatal(err)
		}
		if bytes.Equal(got, want) {
			continue
		}
		if *flagUpdate {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: rewritten", file)
			continue
		}
		t.Errorf("%s is not what its generator produces: run go generate ./internal/cpu (or go test ./internal/cpu -run TestGenerated -update)", file)
	}
}
