// Package train trains one model: the loop over epochs and batches, the
// evaluation after each epoch, per-epoch metrics, progress on a terminal,
// divergence detection and clean interruption.
//
// Run turns GoMLX's panics into errors through model.Catch, exp's one
// boundary for them: a model that fails to build or run ends its run as
// failed, with the panic's message, instead of taking the process down. A NaN or infinite loss stops the run as
// diverged; a cancelled context stops it after the current step as
// interrupted. Each finished epoch is handed to Options.OnEpoch (the caller
// commits it to the results store) before the next one starts. Within an
// epoch, Options.Partial saves the state and the epoch's progress every
// Options.PartialEvery or so, and Options.Resume continues an epoch from
// such a save with the sums its metrics are made of, so that the epoch
// records what it would have without the interruption.
package train
