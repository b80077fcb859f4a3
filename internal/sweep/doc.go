// Package sweep runs the trials of a plan against the results store, so that
// an overnight sweep survives anything short of losing the disk.
//
// Every trial is a runs row, created pending when the sweep is planned (a
// re-run of the same command finds the same sweep, skips completed trials,
// resumes unfinished ones and adds trials the file gained). Trials run in
// child exp processes, up to --jobs at once, each with its own thread budget,
// so a crash, panic or out-of-memory kill takes down one trial only.
//
// A worker claims a trial in one IMMEDIATE transaction while holding an
// flock on the trial's lock file, which it hands to the child process; the
// kernel releases the lock when that process dies, even by kill -9, so a
// trial left "running" with its lock free is known dead and is resumed by
// the next claim. Several exp processes on one database and sweep cooperate
// this way, each trial claimed exactly once.
//
// After each epoch the child writes a checkpoint (package checkpoint), then
// commits the epoch's metrics in one transaction, then prunes older
// checkpoints: the checkpoint of the last committed epoch always exists, and
// a resumed trial continues from it with the same weights, optimizer state,
// RNG state and data order, so its metrics equal an uninterrupted run's.
// Within an epoch the child also keeps a partial checkpoint every
// PartialEvery or so; a trial resumed after a killed process continues from
// it when it is whole and of the epoch after the last committed one.
//
// A tpe sweep has no trials planned up front: a worker with nothing to claim
// asks the store to propose one (resultdb.DB.ProposeTrial: under one lock
// on the sweep, the sweep's trials and epochs are read, search.Propose gives
// proposal k = the number of trials so far from their history, unfinished
// trials as the constant liar, and the pending row is inserted), then claims
// it as above. The budget is sweep.samples trials, whatever their end.
package sweep
