// Package results reads exp's results database from Go: the sweeps, the
// runs (every trial of a sweep), each run's epochs and best epoch by a
// metric, and the evaluations of its best model.
//
//	db, err := results.Open(ctx, "runs.db") // or "postgres://user@host/db"
//	if err != nil { … }
//	defer db.Close()
//	runs, err := db.Runs(ctx, results.Filter{Status: []results.Status{results.StatusCompleted}})
//	for _, r := range runs {
//		best, err := db.BestEpoch(ctx, r.ID, results.ValAccuracy)
//		…
//		fmt.Println(r.ID, r.Name, best.Epoch.Epoch, best.Value)
//	}
//
// Open never creates a database and never writes to one: a SQLite file is
// opened read-only (so exp may go on writing it, and a reader sees each
// epoch as it commits), a PostgreSQL database in read-only transactions. A
// database that an older exp wrote and that still needs migrating is
// refused with ErrNeedsMigration; any exp command that writes (exp status
// does) migrates it.
//
// # One vocabulary
//
// The rows come back as the types exp itself records, declared as aliases
// here: Run (a row of the runs table: name, model, Status, the effective
// config as YAML and its hash, seed, backend, optimizer, learning rate,
// batch size, planned epochs, times, error, summary; for a trial its sweep,
// trial number, variant, params, attempts and stop reason; for a user's
// files the preprocessing and data hash), Sweep (name, config file, spec
// hash, creation time, prune settings), Epoch (loss, accuracy, val_loss,
// val_accuracy, val_f1_macro, lr, timings; nil where a metric does not
// apply) and Evaluation (an exp evaluate scoring). Their fields are listed
// in the README's schema section, column by column, and by
// go doc github.com/exp-runner/exp/internal/record.Run (and .Sweep, .Epoch,
// .Evaluation).
//
// Metrics are named by the constants Loss, Accuracy, ValLoss, ValAccuracy,
// ValF1Macro and LR, the columns of the epochs table; Metrics and
// LookupMetric describe them, each with the Direction in which it improves
// (LR is recorded but never ranked). Statuses are the Status constants.
//
// The claim a worker holds on a running trial (its owner token and lease)
// belongs to exp's worker protocol and is not part of Run.
package results
