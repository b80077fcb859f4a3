// Package checkpoint keeps a trial's training state between epochs, so that
// a killed trial resumes exactly where its last committed epoch ended, and
// within an epoch, so that a killed process loses little of the epoch in
// progress.
//
// Each epoch's state is a GoMLX checkpoint (every context variable: weights,
// optimizer moments and step count, BatchNorm statistics, the RNG state;
// but not the frozen weights a layer reads from a file, see FileWeight) in
// its own folder, DIR/epoch-NNNNN. It is written atomically: into a
// temporary folder, each file fsynced, then renamed into place and the parent
// fsynced; a crash leaves either the whole checkpoint or none. Prune removes
// the ones a trial no longer needs. The best epoch's checkpoint,
// DIR/best-NNNNN, is that epoch's files hard-linked under another name
// (LinkBest), or written again where links fail (SaveBest). Within an epoch,
// DIR/partial holds the state of a moment ago (see partial.go): written in
// place without syncing, each save checksummed.
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
