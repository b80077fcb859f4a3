// Package elemgen generates the elementwise kernels of the cpu backend: the
// typed loops of every unary, binary and conversion op and their dispatch by
// op and dtype, the file gen_elementwise.go.
//
// Source returns that file's text. Command internal/gen writes it (go generate
// in internal/cpu), and the cpu package's TestGenerated checks that the
// checked-in file equals it.
package elemgen
