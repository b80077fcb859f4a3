// Package xla registers GoMLX's XLA backend (package
// github.com/gomlx/gomlx/backends/xla) for exp, under the names "xla" and
// GoMLX's aliases "stablehlo", "hlo" and "shlo", with two changes:
//
//   - It never downloads anything: GoMLX's automatic installation of PJRT
//     plugins is switched off.
//   - Before GoMLX loads a plugin, New looks for its file the way go-xla
//     does, without loading anything, and when it is missing returns a
//     *MissingPluginError that names the file, where it was looked for and
//     how to install it.
//
// The config after the colon is GoMLX's: a plugin name ("cuda", "cpu"), or
// an absolute path to a plugin's .so file, optionally followed by GoMLX's
// options ("xla:cuda,tf32"). Without a name, GoMLX takes the first plugin
// found, preferring cuda, then cpu.
//
// Linking it needs cgo (go-xla loads plugins with dlopen), as exp's SQLite
// store does, but no XLA library: nothing is loaded until a backend is
// created.
package xla
