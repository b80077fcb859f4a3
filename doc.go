// Package exp is exp's command line as a function, for custom builds.
//
// exp trains models described in YAML files and records every epoch in a
// results database (see the README). A Go program that adds its own layers,
// optimizers, losses or datasets registers them with package registry from
// an init function and calls Main; the resulting binary is exp with those
// names added, and its config files can use them:
//
//	package main
//
//	import (
//		"context"
//		"os"
//
//		"github.com/exp-runner/exp"
//		_ "example.com/mylayers" // registers its layers from init
//	)
//
//	func main() { os.Exit(exp.Main(context.Background(), os.Args[1:])) }
//
// The binary must be the one that runs the trials: a sweep starts each trial
// as a child process of the same executable, so what the parent registered
// the children register too. examples/customlayer is a complete example.
package exp
