// Package resultdb is exp's results store: every run (trial of a sweep), the
// metrics of each of its epochs, the sweeps, and what prediction recorded.
// One implementation serves two databases with one schema: SQLite (one
// file, through github.com/mattn/go-sqlite3, so it needs cgo; the default)
// and PostgreSQL (through a github.com/jackc/pgx/v5 pool; shared by workers
// on many machines). Open picks one from the DSN: a postgres:// or
// postgresql:// URL, else a file path.
//
// # Readers and the worker protocol
//
// Open and OpenExisting return a *DB: every read (the Reader interface)
// and the worker protocol by which exp run plans, claims and records
// trials. OpenReadOnly returns a *ReadOnly, which has the reads only, on a
// connection the database itself keeps read-only (exp serve and the public
// package results use it). The rows come back as package record's types
// (record.Run, record.Sweep, record.Epoch, record.Evaluation); the claim on
// a trial (owner token and lease) is the worker protocol's, read by Owned.
// Packages that only read take small interfaces of their own, holding the
// methods they call.
//
// # One core, a dialect per database
//
// Every method is written once over database/sql, its SQL with ?
// placeholders and its row scanning shared (store.go, runs.go, epochs.go,
// sweeps.go, claims.go, summaries.go, migrate.go). A dialect value
// (sqlite.go, postgres.go) holds only what differs: $n placeholders,
// how times are stored (RFC 3339 text or timestamptz), which error is a
// unique violation, row locks (FOR UPDATE [SKIP LOCKED] on PostgreSQL; on
// SQLite every write transaction begins IMMEDIATE and holds the whole
// database), the clock that judges leases, advisory locks, whether reads
// for Summaries share one snapshot, and its migrations folder.
//
// Workers claim trials with an owner token and, optionally, a lease; every
// later write for the trial checks the token (and that the lease has not
// run out) in its own transaction (ErrLeaseLost otherwise), so a worker
// that lost a trial never writes over its new owner.
//
// # Clocks
//
// The times exp records about a run (runs.started_at and finished_at,
// epochs.finished_at, sweeps.created_at) come from the store's clock,
// time.Now unless Open is given WithClock. Leases on SQLite come from that
// clock too; on PostgreSQL they are the server's business: lease_expires_at
// is the server's now() plus the lease, and whether a lease ran out is
// judged by the server's now(), so workers on machines whose clocks
// disagree still agree on who owns a trial. Every time is stored truncated
// to milliseconds and read back in UTC.
//
// # Schema
//
// The schema is a public interface: users query it with the sqlite3 command
// line tool or psql, so its names only ever change by adding. The README's
// schema section documents every column; in short:
//
//   - runs: one row per training run: its name, model, status (pending,
//     running, completed, failed, interrupted, diverged or pruned), the
//     effective config as YAML and its hash, seed, backend, optimizer,
//     learning rate, batch size, planned epochs, threads, start and finish
//     times, error message and an optional JSON summary such as
//     {"b":0.49,"w":2.01}; for a trial its sweep, trial number, variant,
//     params, attempts and stop reason; the claim: owner and
//     lease_expires_at; for a user's files the preprocessing (JSON) and
//     data_hash; and confusion, the confusion matrix of its best epoch
//     (JSON).
//   - sweeps: one row per sweep: name, config file, spec hash, creation
//     time and prune settings.
//   - epochs: one row per finished epoch of a run, keyed by (run_id, epoch):
//     loss, accuracy, val_loss, val_accuracy, val_f1_macro (NULL where they
//     do not apply), lr (the learning rate at the epoch's last step),
//     seconds, ms_per_step, examples_per_second and finish time.
//   - evaluations: one row per scoring of a run's best model (exp
//     evaluate): run_id, what data was scored and its hash, loss, accuracy
//     or mse, mae, rmse and r2, and creation time.
//   - migrations: the name of each migration applied.
//
// On SQLite timestamps are RFC 3339 text in UTC with exactly three
// fractional digits, e.g. 2026-11-27T06:12:17.123Z, so they sort and compare
// as text; on PostgreSQL they are timestamptz.
//
// # Migrations
//
// The schema is built by numbered SQL files embedded in the binary, one
// folder per dialect: migrations/sqlite/001_initial.sql and so on, and
// migrations/postgres/ with the same names in PostgreSQL's types. One
// mechanism (migrate.go) applies them for both: Open applies, in order,
// each one not yet named in the migrations(name) table, each in its own
// transaction together with the row that records it (on PostgreSQL under an
// advisory lock), so opening a database any number of times, or from
// several processes at once, applies each migration exactly once. A
// database that is up to date is only read, so a read-only role can open
// it. A database that names a migration this binary does not have was
// written by a newer exp and is refused.
//
// To change the schema, add a file with the next number to both folders,
// under the same name (NNN_snake_case.sql), each in its database's types;
// released files never change. TestMigrationFiles checks the names, and
// every store test runs on both databases (eachBackend, with
// EXP_TEST_POSTGRES set), so both migrations are tested; add the new
// columns to TestSchema and to the README's schema section.
//
// # Concurrency and durability
//
// Several exp processes may write to one SQLite file at once (parallel sweep
// trials, say). The database runs in WAL mode with synchronous=NORMAL, a
// busy timeout of 30 s, foreign keys on and one connection per Store; every
// transaction begins IMMEDIATE, taking the write lock up front, and every
// write is one short transaction, so writers queue instead of failing with
// "database is locked". Open also retries the one case the busy timeout
// misses: processes racing to switch a new file to WAL. A process killed
// mid-write loses only its open transaction. WAL needs shared memory, so the
// file must be on a local filesystem, not a network one.
//
// On PostgreSQL, OpenSweep serialises on an advisory lock per (name, file)
// and PlanTrials on the sweep's row, so workers starting one sweep at once
// share it and number its trials once. A claim locks its candidates one by
// one with FOR UPDATE SKIP LOCKED, so concurrent claimers never take the
// same trial nor wait on each other; writes for a claimed trial lock its
// row and check the owner and the lease in the same transaction.
//
// Every method takes a context.Context first; a write whose context is
// cancelled is rolled back, so record the end of an interrupted run with a
// context that is not (context.WithoutCancel). Errors say what was being
// done, as in "results: add epoch 3 of run 7: already recorded"; test for
// ErrNotFound, ErrDuplicate and ErrLeaseLost with errors.Is.
package resultdb
