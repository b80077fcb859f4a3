// Package predict loads a model exported by exp (exp export-model RUN -o
// DIR) and runs it from Go: the best epoch's weights of a run, with the
// run's preprocessing, and no database.
//
//	m, err := predict.Load("model")
//	if err != nil { … }
//	preds, err := m.Predict(ctx, predict.Rows([]string{"x1", "color", "x2"}, [][]string{{"0.3", "red", "1.2"}}))
//	fmt.Println(preds[0].Label, preds[0].Probability)
//
// Inputs come as CSV rows (Rows: columns by name, in any order, as the
// run's CSV), images (Images: decoded with the image package; their size
// must be the model's unless the run resized its images), or tensors
// (Tensors: inputs already preprocessed, example after example). A Model
// is safe for use by one goroutine at a time; guard it with a mutex to
// share it (see examples/predictserver).
//
// Load checks the folder before building the model (each file against the
// size and SHA-256 model.json records, model.json against the config and
// preprocessing, the weights against the config's shapes) and refuses any
// inconsistency with an error naming the file and the field; a folder of
// format 1, which has no checksums, loads with Model.Warnings saying so. A
// prediction whose output is NaN or infinite says so in Prediction.NaN.
package predict
