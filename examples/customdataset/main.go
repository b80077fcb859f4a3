// Command customdataset is exp with one more dataset, jsonl (jsonl.go): a
// JSON Lines file of labelled examples, read by Go code that registers
// itself from init. The dataset applies the data section's split itself
// (seeded, stratified), hashes the file's contents into config_hash,
// stores its classes with every run and describes itself to validate.
// exp.Main is the whole command line, and the trials that
// `customdataset run` starts are child processes of this same binary, so
// they know jsonl too.
//
//	go build -o customdataset ./examples/customdataset
//	./customdataset validate examples/customdataset/blobs.yaml
//	./customdataset run examples/customdataset/blobs.yaml
package main

import (
	"context"
	"os"

	"github.com/exp-runner/exp"
)

func main() { os.Exit(exp.Main(context.Background(), os.Args[1:])) }
