// Command gen writes the elementwise kernels of the cpu backend,
// gen_elementwise.go, in the current directory (see package elemgen).
//
// Run it from internal/cpu with go generate (or: go run ./internal/gen).
package main
