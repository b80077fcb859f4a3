// Command exp trains models described in YAML files and compares their
// results. See 'exp help'.
package main

import (
	"context"
	"os"

	"github.com/exp-runner/exp"
)

func main() { os.Exit(exp.Main(context.Background(), os.Args[1:])) }
