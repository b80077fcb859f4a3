// Package infer runs a trained model on new inputs, with no results
// database: it builds the model of a resolved config, loads a checkpoint's
// weights, turns input files into examples with the run's preprocessing,
// and predicts or scores them in batches of train.eval_batch_size, exactly
// as evaluation during training does (so the validation set scores as
// recorded). It writes and reads model folders (Export, OpenFolder: each
// file checked against the size and SHA-256 in model.json, model.json
// against the config and preprocessing, the weights against the config's
// shapes), finds a run's best checkpoint (FindBest) and lays out
// predictions as tables, CSV or JSON; an output that is NaN is reported as
// such (Output.NonFinite), never scored (ErrNaN).
//
// The public package predict is built on it, as are the CLI's predict,
// evaluate and export-model, which read the run from the results database
// (internal/cli, with report.RunConfig), and the reports about a run's
// best model (internal/report). It links no database driver.
package infer
