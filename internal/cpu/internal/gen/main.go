package main

import (
	"fmt"
	"os"

	"github.com/exp-runner/exp/internal/cpu/internal/elemgen"
)

func main() {
	src, err := elemgen.Source()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("gen_elementwise.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
