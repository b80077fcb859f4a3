package registry

import (
	"context"
	"fmt"

	"github.com/exp-runner/exp/internal/data"
	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/rng"
)

// Dataset is a configured dataset: a struct decoded from the dataset's own
// keys of the `data:` section (every key but dataset, train_examples,
// val_examples and validation_split).
//
// A dataset read from files takes part in what exp does with them by
// implementing the optional interfaces Splitter (it applies
// validation_split, train_examples and val_examples itself, e.g. seeded and
// stratified), ContentHasher (config_hash and runs.data_hash follow the
// files' contents), Preprocessor (the preprocessing stored with every run)
// and Summarizer (exp validate's description of the data), and by checking
// env.Memory before it loads large files. exp's own csv, npz and images
// datasets implement all of them; examples/customdataset is a dataset of
// JSON Lines files written in Go that does too.
//
// Keys named path, val_path, labels, x_path, y_path or dir name files or
// folders: a relative path written in a config file resolves against the
// file's folder (env.Dir), one given with --set against the working
// directory; with a ContentHasher they are left out of config_hash.
type Dataset interface {
	// Validate checks the dataset's parameters (files it names exist,
	// resolved against env.Dir). A dataset read from files may read them
	// here, so that every problem in them is reported before anything
	// trains.
	Validate(r Reporter, env DataEnv)
	// Info describes the examples without loading them (after Validate).
	Info() DataInfo
	// Load reads or generates the data: training examples and, where the
	// dataset has them, validation examples. Relative paths are resolved
	// against env.Dir.
	Load(ctx context.Context, env DataEnv) (*Data, error)
}

// DataEnv is what a Dataset learns of its surroundings. exp hands the same
// DataEnv to Validate and Load.
type DataEnv struct {
	// Dir is the folder that relative paths are resolved against: the
	// config file's folder (empty: the working directory).
	Dir string
	// Split is what the data section's validation_split, train_examples
	// and val_examples ask, for a Splitter to apply (any other dataset
	// ignores it: exp applies it after Load).
	Split Split
	// Memory is how the dataset checks, before loading, that its data
	// fits in memory (Memory.Check).
	Memory MemoryPolicy
	// Context, when not nil, is done once the command is interrupted
	// (Ctrl-C, SIGTERM): a dataset that reads its files in Validate stops
	// reading then. Load has a context of its own.
	Context context.Context
}

// Ctx returns e.Context, or context.Background() when it is nil.
func (e DataEnv) Ctx() context.Context {
	if e.Context == nil {
		return context.Background()
	}
	return e.Context
}

// Splitter is implemented by a dataset that applies env.Split itself, in
// Validate and Load (Split.Apply does it as exp's file datasets do: a
// seeded validation split, stratified by class, and seeded picks of
// train_examples and val_examples), so that a file sorted by class never
// trains or validates on one class only. exp then takes the examples Load
// returns as they are.
//
// exp splits any other dataset after Load as Keras does: it keeps the
// first train_examples training examples, holds out the last
// validation_split of them for validation, then keeps the first
// val_examples validation examples.
type Splitter interface {
	// SplitsItself reports whether Validate and Load apply env.Split.
	SplitsItself() bool
}

// ContentHasher is implemented by a dataset read from files, to be known
// by their contents. exp stores DataHash with every run (runs.data_hash)
// and puts it into config_hash in place of the data section's keys that
// name files (see Dataset): the same data moved elsewhere is the same
// experiment, and changed data another one. A trial resumed on data whose
// hash changed since it was planned fails rather than mixing the two.
type ContentHasher interface {
	// DataHash returns a hash (hex) of the contents of the files the
	// dataset reads; "" before Validate read them.
	DataHash() string
}

// Preprocessor is implemented by a dataset that turns its files into
// model inputs in a way that predicting new inputs must repeat: a fitted
// normalization, category codes, class names, an image size. exp stores
// Preprocessing with every run (runs.preprocessing) and in the model
// folders that export-model writes; a "classes" list of strings in it
// names the classes in label order in predict's output.
type Preprocessor interface {
	// Preprocessing describes the preprocessing as JSON (after Validate).
	Preprocessing() ([]byte, error)
}

// Summarizer is implemented by a dataset that describes what it read for
// exp validate, which prints the lines after "FILE: ok": by convention a
// first line "Data: NAME SOURCE: N training, M validation examples" and
// details indented by two spaces.
type Summarizer interface {
	// Summary describes the data, a line each (after Validate).
	Summary() []string
}

// Split is what the data section's common keys ask of a dataset's
// examples.
type Split struct {
	Fraction float64 // validation_split: the fraction of the training examples held out for validation (0: none)
	TrainN   int     // train_examples: the training examples kept (0: all)
	ValN     int     // val_examples: the validation examples kept (0: all)
}

// limitStream is the rng stream that picks TrainN and ValN examples, apart
// from the split's (data.SplitStream) and the epochs' streams.
const limitStream = data.SplitStream + 1

// Apply applies s to d, drawing from seed, as exp's csv, npz and images
// datasets do. First it holds out Fraction of the training examples for
// validation: a seeded shuffle, stratified by class when the examples have
// labels (every class keeps round(Fraction × its count) examples for
// validation, at least one, and at least one for training), both sides in
// their original order. A class with fewer than 2 examples, a single
// class, or a Fraction for a d that has validation examples already is an
// error. Then it keeps TrainN training and ValN validation examples
// picked by a seeded shuffle, in that shuffled order. The result is a
// function of d, s and seed alone.
func (s Split) Apply(d *Data, seed uint64) error {
	if s.Fraction != 0 {
		if d.Val != nil {
			return fmt.Errorf("validation_split %g: the dataset has validation examples already", s.Fraction)
		}
		tr, va, err := data.SplitIndices(d.Train.N, d.Train.Labels, s.Fraction, seed)
		if err != nil {
			return err
		}
		d.Train, d.Val = d.Train.Select(tr), d.Train.Select(va)
		d.Validation = true
	}
	d.Train = pick(d.Train, s.TrainN, seed)
	d.Val = pick(d.Val, s.ValN, seed)
	return nil
}

// pick returns n examples of ex picked by a seeded shuffle, in the
// shuffled order (all of ex when n is 0 or at least ex.N).
func pick(ex *Examples, n int, seed uint64) *Examples {
	if ex == nil || n <= 0 || n >= ex.N {
		return ex
	}
	idx := make([]int, ex.N)
	for i := range idx {
		idx[i] = i
	}
	rng.New(seed, limitStream).Shuffle(ex.N, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return ex.Select(idx[:n])
}

// MemoryPolicy is how a dataset checks, before loading, that its data fits
// in memory. exp run passes its --jobs and --force, and the machine's
// memory; exp validate and the prediction commands check one copy; a trial
// that exp run started does not check again.
type MemoryPolicy struct {
	// Copies is how many processes will hold the data at once (exp run's
	// --jobs; 0 counts as 1).
	Copies int
	// Force loads the data however large it is (exp run's --force).
	Force bool
	// Total is the machine's memory in bytes; 0 when it is not known, and
	// nothing is checked.
	Total int64
}

// Check returns nil when Copies copies of need bytes fit in Total (or
// Force is set, or Total is not known), else an error that says so:
//
//	images: 1,200,000 files at 224×224×3 need 180 GB as uint8, 720 GB for 4 jobs; this machine has 64 GB (use --force to try anyway)
//
// what describes the data and ends in its verb ("images: … need"), as
// says how it is held ("uint8").
func (p MemoryPolicy) Check(what string, need int64, as string) error {
	copies := max(p.Copies, 1)
	if p.Force || p.Total <= 0 || need*int64(copies) <= p.Total {
		return nil
	}
	msg := fmt.Sprintf("%s %s as %s", what, meminfo.Text(need), as)
	if copies > 1 {
		msg += fmt.Sprintf(", %s for %d jobs", meminfo.Text(need*int64(copies)), copies)
	}
	return fmt.Errorf("%s; this machine has %s (use --force to try anyway)", msg, meminfo.Text(p.Total))
}

// DatasetFactory returns a new dataset configuration holding its defaults.
type DatasetFactory func() Dataset

// Datasets is the registry of datasets.
var Datasets = New[DatasetFactory]("dataset")
