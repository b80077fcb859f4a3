// Command godocgen writes the example text dataset godoc: the first sentence
// of each exported declaration's doc comment in Go's standard library,
// labelled by the area of the package that declares it (crypto, net, math,
// …). Go's sources are BSD-3-Clause licensed and present wherever Go is
// installed, so the dataset is written offline from the toolchain that runs
// the command.
//
// From the repository root:
//
//	go run ./internal/text/internal/godocgen -out configs/data
//
// writes godoc-train.csv, godoc-val.csv (a fixed, stratified 80/20 split,
// columns text,label) and godoc-NOTICE.txt (source, Go version, licence).
// The rows are a pure function of the Go sources: the same Go version gives
// the same files byte for byte (TestCommittedFilesAreCurrent checks this
// when the installed Go matches the committed files' version).
package main
