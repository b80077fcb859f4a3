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
package predict
