// Command gen generates the elementwise kernels of the cpu backend (gen_elementwise.go).
//
// Run it from backends/cpu with: go run ./internal/gen
package main
