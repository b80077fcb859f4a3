// Command customlayer is exp with one more layer type, swish, written in Go
// (swish.go). It is the whole exp command line: exp.Main runs it, and the
// trials that `customlayer run` starts are child processes of this same
// binary, so they know swish too.
//
//	go build -o customlayer ./examples/customlayer
//	./customlayer validate examples/customlayer/swish.yaml
//	./customlayer run examples/customlayer/swish.yaml
package main

import (
	"context"
	"os"

	"github.com/exp-runner/exp"
)

func main() { os.Exit(exp.Main(context.Background(), os.Args[1:])) }
