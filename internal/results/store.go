package results

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// dsnParams are the connection parameters that held with several processes
// writing to one file at once: WAL, a 30 s busy timeout, BEGIN IMMEDIATE for
// every transaction (a read-then-write transaction begun DEFERRED fails with
// SQLITE_BUSY despite the timeout) and foreign keys on.
const dsnParams = "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=30000&_txlock=immediate&_foreign_keys=on"

// timeLayout is how timestamps are stored: RFC 3339 in UTC with exactly three
// fractional digits, so that stored times sort and compare as text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// ErrNotFound is wrapped by the errors of methods asked about a run that
// does not exist. Test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is wrapped by the error of AddEpoch when the run already has
// that epoch.
var ErrDuplicate = errors.New("already recorded")

// ErrFinished is wrapped by the error of FinishRun when the run has already
// finished.
var ErrFinished = errors.New("already finished")

// SQLite is exp's results store in one SQLite database file, shared safely
// by several processes on one machine. Its methods are safe for concurrent use.
type SQLite struct {
	// Now is the clock used for started_at and finished_at. It defaults to
	// time.Now; tests replace it to get stable times. Its result is stored
	// in UTC, truncated to milliseconds.
	Now func() time.Time

	db   *sql.DB
	path string
}

// OpenSQLite opens the SQLite results database at path, creating the file (but not its
// directory) if needed, and applies the migrations it has not seen yet.
// The path ":memory:" opens a private in-memory database.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("results: open: empty database path")
	}
	dsn := "file::memory:?" + dsnParams
	if path != ":memory:" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("results: open %s: %w", path, err)
		}
		dir := filepath.Dir(abs)
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("results: open %s: directory %s does not exist", path, dir)
		case err != nil:
			return nil, fmt.Errorf("results: open %s: %w", path, err)
		case !fi.IsDir():
			return nil, fmt.Errorf("results: open %s: %s is not a directory", path, dir)
		}
		dsn = "file:" + escapePath(abs) + "?" + dsnParams
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	// One connection per SQLite store: SQLite allows one writer at a time anyway,
	// and a single connection keeps the in-memory database and the
	// per-connection pragmas in one place.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	s := &SQLite{Now: time.Now, db: db, path: path}
	if err := s.migrateRetrying(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	return s, nil
}

// escapePath makes a file name safe inside a "file:" URI, where '?' starts
// the query, '#' the fragment and '%' an escape.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Path returns the path the store was opened with.
func (s *SQLite) Path() string { return s.path }

// Close closes the database.
func (s *SQLite) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("results: close %s: %w", s.path, err)
	}
	return nil
}

// migrationNames returns the embedded migration files in the order they are
// applied.
func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// openRetry bounds how long Open retries a connection that fails with
// SQLITE_BUSY; it matches the busy timeout in dsnParams.
const openRetry = 30 * time.Second

// migrateRetrying is migrate, retried while it fails with SQLITE_BUSY.
//
// When several processes open a new file at once, the PRAGMA
// journal_mode=WAL that the driver runs on connecting (see dsnParams) can fail
// with SQLITE_BUSY at once, without waiting for the busy timeout; the
// connection is then discarded, and the next attempt finds the file in WAL
// mode. migrate makes the first connection, and migrations are idempotent,
// so retrying it is safe. (The pool keeps that one connection for the
// Store's life, so in practice no other call connects.)
func (s *SQLite) migrateRetrying(ctx context.Context) error {
	deadline := time.Now().Add(openRetry)
	delay := time.Millisecond
	for {
		err := s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
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

// migrate applies, in order, each embedded migration not yet recorded in the
// migrations table, each in its own transaction. Because every transaction
// begins IMMEDIATE, processes opening the same new file at once apply each
// migration exactly once.
func (s *SQLite) migrate(ctx context.Context) error {
	// Even this reads (the schema) before it writes, so it needs an
	// IMMEDIATE transaction: in autocommit mode a process racing another
	// to open a new file gets SQLITE_BUSY at once, busy timeout or not.
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := migrationNames()
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[path.Base(name)] = true
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}

	// A migration this binary does not know means a newer exp wrote the
	// file; its schema may have changed in ways this version would break.
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("list applied migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("list applied migrations: %w", err)
		}
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list applied migrations: %w", err)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the database has migrations this version of exp does not know (%s): it was written by a newer exp", strings.Join(unknown, ", "))
	}
	return nil
}

// migrateFile applies one migration unless it is already recorded.
func (s *SQLite) migrateFile(ctx context.Context, name string) error {
	base := path.Base(name)
	return s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, base).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		buf, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO migrations (name) VALUES (?)`, base)
		return err
	})
}

// write runs fn in one transaction, begun IMMEDIATE (see dsnParams) so that
// it holds the write lock from the start, and commits it if fn succeeds.
func (s *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// now returns the store's clock reading as stored: UTC, whole milliseconds.
func (s *SQLite) now() time.Time {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	return normTime(now())
}

// normTime returns t in UTC truncated to milliseconds, as it reads back.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

func formatTime(t time.Time) string {
	return normTime(t).Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// isBusy reports whether err is SQLITE_BUSY ("database is locked"), with any
// extended code.
func isBusy(err error) bool {
	var serr sqlite3.Error
	return errors.As(err, &serr) && serr.Code == sqlite3.ErrBusy
}

// isConstraint reports whether err is the SQLite constraint violation code.
func isConstraint(err error, code sqlite3.ErrNoExtended) bool {
	var serr sqlite3.Error
	return errors.As(err, &serr) && serr.ExtendedCode == code
}

// openExistingSQLite is OpenSQLite for a database that must already exist
// (for commands that only read): a missing file is an error rather than a
// new database.
func openExistingSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path != ":memory:" {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no results database at %s (exp run creates it; --db or $EXP_DB name another)", path)
			}
			return nil, fmt.Errorf("results: open %s: %w", path, err)
		}
	}
	return OpenSQLite(ctx, path)
}
