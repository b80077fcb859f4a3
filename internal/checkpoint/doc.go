// Package checkpoint keeps a trial's training state between epochs, so that
// a killed trial resumes exactly where its last committed epoch ended.
//
// Each epoch's state is a GoMLX checkpoint (every context variable: weights,
// optimizer moments and step count, BatchNorm statistics, the RNG state;
// but not the frozen weights a layer reads from a file, see FileWeight) in
// its own folder, DIR/epoch-NNNNN. It is written atomically: into a
// temporary folder, each file fsynced, then renamed into place and the parent
// fsynced; a crash leaves either the whole checkpoint or none. Prune removes
// the ones a trial no longer needs.
//
// Checkpoints are read by this package's own reader (LoadWith), not
// GoMLX's: a checkpoint folder holds exactly one checkpoint, its description
// is checked before anything is allocated (dimensions positive, lengths
// those of the shapes, the total within the machine's memory and what the
// data file can hold, the shapes a caller expects), and a data file that is
// not GoMLX's format, or shorter or longer than described, is an error
// naming the file. A corrupt checkpoint is an error, never a panic or an
// allocation its files cannot back.
package checkpoint
