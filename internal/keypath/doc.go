// Package keypath implements exp's one grammar for naming a value inside a
// config: `seg(.seg|[i])*`, where seg is a key ([A-Za-z_][A-Za-z0-9_]*) and i
// a list index, as in `train.learning_rate` or `model.layers[1].units`.
//
// The same paths are used by `exp run --set`, by sweep axes, and by the
// `--where` and `--group-by` options of the result commands. Get and Set apply
// a path to a YAML node tree; Lookup applies it to decoded Go values.
package keypath
