// Package results is exp's results store: every run (trial of a sweep) and
// the metrics of each of its epochs, behind the Store interface with two
// implementations of one schema: SQLite (one file, through
// github.com/mattn/go-sqlite3, so it needs cgo; the default) and PostgreSQL
// (github.com/jackc/pgx/v5; shared by workers on many machines). Open picks
// one from the DSN.
//
// Workers claim trials with an owner token, and with a lease on PostgreSQL;
// every later write for the trial checks the token in its own transaction
// (ErrLeaseLost otherwise), so a worker that lost a trial never writes over
// its new owner.
//
// # Schema
//
// The schema is a public interface: users query it with the sqlite3 command
// line tool, so its names only ever change by adding. Two tables hold the
// data (the README documents every column):
//
//   - runs: one row per training run: its name, model, status (pending,
//     running, completed, failed, interrupted, diverged or pruned), the effective config as
//     YAML and its hash, seed, backend, optimizer, learning rate, batch size,
//     planned epochs, threads, start and finish times, error message and an
//     optional JSON summary such as {"b":0.49,"w":2.01}.
//   - epochs: one row per finished epoch of a run, keyed by (run_id, epoch):
//     loss, accuracy, val_loss, val_accuracy (NULL where they do not apply),
//     seconds, ms_per_step, examples_per_second and finish time.
//
// Timestamps are RFC 3339 text in UTC with exactly three fractional digits,
// e.g. 2026-11-27T06:12:17.123Z, so they sort and compare as text. Times read
// back equal the store's clock (Store.Now) truncated to milliseconds in UTC.
//
// # Migrations
//
// The schema is built by numbered SQL files, migrations/001_initial.sql and
// so on, embedded in the binary. Open applies, in order, each one not yet
// named in the migrations(name) table, each in its own transaction together
// with the row that records it, so opening a database any number of times,
// or from several processes at once, applies each migration exactly once.
// A database that names a migration this binary does not have was written by
// a newer exp and is refused. A change to the schema is a new file with the
// next number; released files never change.
//
// # Concurrency and durability
//
// Several exp processes may write to one database file at once (parallel
// sweep trials, say). The database runs in WAL mode with
// synchronous=NORMAL, a busy timeout of 30 s, foreign keys on and one
// connection per Store; every transaction begins IMMEDIATE, taking the write
// lock up front, and every write is one short transaction, so writers queue
// instead of failing with "database is locked". Open also retries the one
// case the busy timeout misses: processes racing to switch a new file to
// WAL. A process killed mid-write
// loses only its open transaction. WAL needs shared memory, so the file
// must be on a local filesystem, not a network one.
//
// Every method takes a context.Context first; a write whose context is
// cancelled is rolled back, so record the end of an interrupted run with a
// context that is not (context.WithoutCancel). Errors say what was being
// done, as in "results: add epoch 3 of run 7: already recorded"; test for
// ErrNotFound, ErrDuplicate and ErrFinished with errors.Is.
package results
