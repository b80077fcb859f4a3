// Package registry holds exp's name registries: the layers, activations,
// optimizers, losses and datasets a config file may name.
//
// A Registry works like database/sql's driver table: implementations call
// Register from an init function, Register panics on an empty or duplicate
// name, Names lists the registered names sorted, and Lookup of an unknown name
// returns an error that quotes the name, lists the known ones and suggests the
// nearest:
//
//	unknown layer "conv2" (known: activation, avgpool2d, …); did you mean "conv2d"?
package registry
