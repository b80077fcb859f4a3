// Package registry holds exp's name registries, the layers, activations,
// optimizers, losses and datasets that a config file may name, and the
// interfaces a Go program implements to add its own.
//
// # Extending exp
//
// Each registry maps the name a config file uses to what exp makes of it:
//
//	registry    config key                      value
//	Layers      model.layers[i].type            LayerFactory: a new Layer
//	Activations activation: of a layer          Activation: a graph function
//	Optimizers  train.optimizer (or its name:)  OptimizerFactory: a new Optimizer
//	Losses      train.loss                      Loss
//	Datasets    data.dataset                    DatasetFactory: a new Dataset
//
// A layer implements Layer: Validate, and Build, which adds it to a GoMLX
// graph. A layer that ends in an activation also implements Activated, so
// that a final softmax can be folded into the cross-entropy loss; a layer
// that combines the outputs of the layers its `inputs:` key names (add,
// concat) implements MultiInput. An optimizer implements Optimizer. A
// dataset implements Dataset and, to take part in validation splits,
// config_hash, the stored preprocessing and exp validate's summary as exp's
// own datasets of users' files do, the optional interfaces Splitter,
// ContentHasher, Preprocessor and Summarizer; it checks the size of its
// data before loading it with its DataEnv's MemoryPolicy.
// A MultiInput layer that takes another number of inputs than the merges'
// two or more implements InputCounter. A layer that reads files (a
// pretrained network: the onnx layer) implements FileLayer, so that exp
// resolves its paths as it does a dataset's, reads the files before
// anything trains, hashes their contents into config_hash and copies them
// into exported model folders (ExampleFileLayer); one whose frozen weights
// start training at an epoch implements Unfreezer and reads TrainingEpoch
// in Build.
//
// A dataset gives the model one float32 input (DataInfo.Shape, Examples.X
// or Pixels), named "input", or several named inputs, float32 values or
// int32 token ids: DataInfo.Inputs describes them (Input) and
// Examples.Inputs holds their values (InputValues). Layers name the data's
// inputs in `inputs:`. A layer sized by a vocabulary (embedding's
// input_dim) implements VocabularySized, so that an input of known
// Vocabulary (a text column) sizes it.
//
// Layers on sequences may take part in padding masks, as Keras's do: a layer
// that starts one (embedding with mask_zero) implements MaskMaker, one that
// passes it on unchanged MaskPasser, one that reads it MaskUser. A layer
// implementing none of them takes no mask, and a config giving it one is an
// error at its line (MaskFlow).
//
// Registries work like database/sql's driver table: a package registers its
// names from an init function, and Register panics on an empty or duplicate
// name, a programming error found the first time the binary starts. Names
// lists the registered names sorted, and Lookup of an unknown name returns an
// *UnknownError that quotes the name, lists the known ones and suggests the
// nearest:
//
//	unknown layer "conv2" (known: activation, avgpool2d, …); did you mean "conv2d"?
//
// The program that registers them calls exp.Main (package
// github.com/exp-runner/exp) from its main function. It must be the binary
// that runs the configs: `run` starts every trial as a child process of the
// same executable. examples/customlayer (a layer) and examples/customdataset
// (a dataset of JSON Lines files) are complete, tested examples.
//
// # From YAML to a value
//
// For a layer, exp looks up `type`, calls the factory, which returns a
// pointer to a struct holding the defaults, and decodes the other keys of the
// layer's mapping into its exported fields: a field's key is its `yaml:"…"`
// tag, else its name in lower case. Fields may be bool, integers, floats,
// strings, and slices, maps and structs of those; a key that is absent keeps
// its default. `type`, `name` and `inputs` are exp's own keys, so a layer
// has no fields of those names. An unknown key, or a value of the wrong
// type, is an error at its position. Optimizers are decoded the same way
// from the mapping form of train.optimizer (every key but `name`), datasets
// from the keys of `data:` that are not exp's own (`dataset`,
// `train_examples`, `val_examples`, `validation_split`).
//
// exp then calls Validate with a Reporter positioned at the value's mapping.
// Validate checks the decoded fields and reports each problem at its key,
// r.Field("units").Errorf("must be > 0, got %d", n), and goes on: exp prints
// every problem of a file at once, as FILE:LINE:COL: key.path: message, and
// exits with code 2. Nothing is built or trained until a file has no problem.
//
// Build runs with a context scoped to the layer: the variables it creates
// there are the layer's weights, trained by the optimizer, saved in
// checkpoints and counted in `exp validate`'s summary. A problem found only
// when the input's shape is known is an error from Build; a *FieldError
// (FieldErrorf) blames one of the layer's keys. A GoMLX panic in Build
// becomes an error too.
package registry
