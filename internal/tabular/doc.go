// Package tabular loads a user's own CSV data for training and prediction.
//
// ReadFile parses a CSV file (optionally gzip-compressed; a header row is
// required) into a column-wise Table, fast: numbers are parsed without
// allocation, in parallel chunks when the file has no quoted fields, and
// every row remembers its physical line so that errors can say
// FILE:LINE: column "NAME": problem. Fit learns a Preprocessing from the
// training rows: the task (classification or regression, inferred from the
// target unless given), the class names, each feature's kind (numeric or
// categorical), the numeric features' statistics and the categories.
// Apply turns any table with the same columns (training, validation or new
// rows to predict) into row-major float32 inputs plus labels or targets.
// The Preprocessing is plain JSON so that a run can store it and apply it
// to new data later. Load does all of it for a `dataset: csv` config,
// including a seeded, stratified validation split.
package tabular
