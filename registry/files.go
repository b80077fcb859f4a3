package registry

import (
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// FileLayer is implemented by a layer that reads files, such as a
// pretrained network (the onnx layer). exp resolves, checks and hashes
// them as it does a dataset's:
//
//   - A relative path written in the config file resolves against the
//     file's folder (env.Dir); one given with --set against the working
//     directory. FileKeys names the keys that hold paths.
//   - After Validate reported no problem, exp calls ReadFiles, before
//     anything is built: the layer checks the files' sizes against
//     env.Memory before reading them, reads them, and reports each
//     problem at its key. Build then uses what it read.
//   - config_hash leaves the FileKeys' values out and puts FilesHash in:
//     the same file moved elsewhere is the same experiment, a changed file
//     another one. A config without such a layer hashes as before.
//   - An exported model folder carries the files (Files), and its config
//     names the copies.
//
// A FileLayer is decoded, validated and read once per config; Build may
// be called several times (training, evaluation, prediction graphs).
type FileLayer interface {
	Layer
	// FileKeys returns the layer's keys that name files or folders.
	FileKeys() []string
	// ReadFiles reads the layer's files, relative paths resolved against
	// env.Dir, reporting each problem at its key of r.
	ReadFiles(r Reporter, env LayerEnv)
	// FilesHash returns a hash (hex) of the contents of the files
	// ReadFiles read; "" before it read them.
	FilesHash() string
	// Files returns the files ReadFiles read, one per key of FileKeys
	// that names one.
	Files() []LayerFile
}

// LayerEnv is what a FileLayer learns of its surroundings.
type LayerEnv struct {
	// Dir is the folder that relative paths are resolved against: the
	// config file's folder.
	Dir string
	// Memory is how the layer checks, before reading, that its files fit
	// in memory (Memory.Check).
	Memory MemoryPolicy
}

// LayerFile is a file a FileLayer read: the key that names it, its path as
// resolved, and the files read along with it (an ONNX model's external
// data), named relative to its folder.
type LayerFile struct {
	Key  string
	Path string
	With []string
}

// Unfreezer is implemented by a layer whose weights are frozen at first
// and start training at an epoch (counted from 1): exp builds the training
// step again at that epoch, and Build, reading TrainingEpoch, makes the
// weights trainable from then on.
type Unfreezer interface {
	Layer
	// UnfreezeEpoch returns the epoch the layer's weights start training
	// at; 0 when that never happens during training.
	UnfreezeEpoch() int
}

// epochParam is the context parameter holding the epoch the training step
// is built for.
const epochParam = "exp_training_epoch"

// TrainingEpoch returns the epoch (from 1) the graphs built from ctx are
// for, as exp's training loop sets it; 0 outside training (exp validate's
// summary, prediction).
func TrainingEpoch(ctx *mlctx.Context) int {
	return mlctx.GetParamOr(ctx, epochParam, 0)
}

// SetTrainingEpoch records in ctx (at its root scope, for every layer) the
// epoch the graphs built next are for.
func SetTrainingEpoch(ctx *mlctx.Context, epoch int) {
	ctx.InAbsPath(mlctx.RootScope).SetParam(epochParam, epoch)
}
