// Package infer runs a run's best model on new inputs: it builds the
// model of a resolved config, loads the best checkpoint's weights, turns
// input files into examples with the run's preprocessing, and predicts or
// scores them in batches of train.eval_batch_size, exactly as evaluation
// during training does (so the validation set scores as recorded).
//
// The CLI's predict, evaluate and export-model and the public package
// predict are built on it.
package infer
