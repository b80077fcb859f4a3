package resultdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// migrationFS holds every dialect's migrations, a folder each.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrationFolder returns the migrations of the dialect called name. name
// is a constant naming an embedded folder, so an error is a bug.
func migrationFolder(name string) fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations/"+name)
	if err != nil {
		panic(err)
	}
	return sub
}

// migrationNames returns the migration files of fsys, in the order they
// are applied.
func migrationNames(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// openRetry bounds how long opening retries a failure the dialect calls
// passing; it matches SQLite's busy timeout (see sqliteParams).
const openRetry = 30 * time.Second

// migrateRetrying is migrate, retried while it fails for a reason the
// dialect calls passing (SQLite: processes racing to switch a new file to
// WAL get SQLITE_BUSY at once, without waiting for the busy timeout; the
// failed connection is discarded and the next finds the file in WAL mode).
// Migrations are applied once each, so retrying is safe.
func (s *DB) migrateRetrying(ctx context.Context) error {
	deadline := time.Now().Add(openRetry)
	delay := time.Millisecond
	for {
		err := s.migrate(ctx)
		if err == nil || !s.d.retryOpen(err) || time.Now().After(deadline) {
			return err
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// migrate applies, in order, each of the dialect's migrations not yet
// recorded in the migrations table, then refuses a database that records
// a migration this binary does not know. A database that is up to date is
// only read, so a role that may not create tables (a read-only one, for
// exp table) can open it.
func (s *DB) migrate(ctx context.Context) error {
	names, err := migrationNames(s.d.migrations)
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[name] = true
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("list applied migrations: %w", err)
	}
	if len(names) > countKnown(applied, known) {
		if err := s.applyMigrations(ctx, names); err != nil {
			return err
		}
		if applied, err = s.appliedMigrations(ctx); err != nil {
			return fmt.Errorf("list applied migrations: %w", err)
		}
	}
	// A migration this binary does not know means a newer exp wrote the
	// database; its schema may have changed in ways this version would break.
	var unknown []string
	for _, name := range applied {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the database has migrations this version of exp does not know (%s): it was written by a newer exp", strings.Join(unknown, ", "))
	}
	return nil
}

// countKnown counts the applied migrations that known holds.
func countKnown(applied []string, known map[string]bool) int {
	n := 0
	for _, name := range applied {
		if known[name] {
			n++
		}
	}
	return n
}

// appliedMigrations lists the migrations the database records, none if it
// has no migrations table yet.
func (s *DB) appliedMigrations(ctx context.Context) ([]string, error) {
	var exists bool
	if err := s.queryRow(ctx, s.db, s.d.tableExists, "migrations").Scan(&exists); err != nil || !exists {
		return nil, err
	}
	return queryAll(ctx, s, s.db, func(rows *sql.Rows) (name string, err error) {
		err = rows.Scan(&name)
		return name, err
	}, `SELECT name FROM migrations ORDER BY name`)
}

// applyMigrations applies each of the migrations names that the database
// does not record yet, in order, each in its own write transaction together
// with the row that records it, under the dialect's migration lock, so that
// processes opening one database at once apply each exactly once.
func (s *DB) applyMigrations(ctx context.Context, names []string) error {
	err := s.migrationTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, name := range names {
		if err := s.migrationTx(ctx, func(tx *sql.Tx) error { return s.applyMigration(ctx, tx, name) }); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// migrationTx runs fn in a write transaction holding the migration lock.
func (s *DB) migrationTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if s.d.lockMigrations != "" {
			if _, err := s.exec(ctx, tx, s.d.lockMigrations); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// applyMigration applies migration name in tx unless it is recorded.
func (s *DB) applyMigration(ctx context.Context, tx *sql.Tx, name string) error {
	var n int
	if err := s.queryRow(ctx, tx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(s.d.migrations, name)
	if err != nil {
		return err
	}
	// Without arguments both drivers run every statement of the file
	// (pgx then uses the simple protocol).
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, `INSERT INTO migrations (name) VALUES (?)`, name)
	return err
}
