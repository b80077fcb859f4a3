// Package config defines exp's configuration file: typed structs decoded
// from YAML nodes so that every error carries FILE:LINE:COL, in three steps
// with no side effects but reading the file:
//
//	Default  the Keras defaults and the file's stem as name
//	Parse    decode the document (after --set overrides) strictly: unknown
//	         keys, duplicate keys and wrong types are errors
//	Validate ranges and names (layers, activations, optimizers, datasets)
//
// Every error in a file is reported at once, as a yamlx.ErrorList.
//
// A Config's resolved form (every default filled in) is what is stored with
// a run (YAML) and hashed (Hash: sha256 of its canonical JSON without the
// labels name and model.name), so 1e-4 and 0.0001 give the same hash.
//
// The keys and their defaults are documented in configs/README.md.
package config
