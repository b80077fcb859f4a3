package datasets

// FileDataset is implemented by the datasets read from a user's files (csv,
// npz, images). Validate reads them; afterwards these methods describe what
// was read. exp stores DataHash in runs.data_hash and adds it to the
// config's hash, and stores Preprocessing in runs.preprocessing.
type FileDataset interface {
	// SetSplit hands the dataset the data section's validation_split,
	// train_examples and val_examples, which it applies itself; it is
	// called before Validate.
	SetSplit(Split)
	// DataHash is a hash of the files' contents ("" before Validate).
	DataHash() string
	// Preprocessing is what turns the files into model inputs, as JSON.
	Preprocessing() ([]byte, error)
	// Summary describes the data for exp validate, a line each.
	Summary() []string
}
