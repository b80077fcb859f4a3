package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// sqliteParams are the connection parameters that held with several
// processes writing to one file at once: WAL, a 30 s busy timeout, BEGIN
// IMMEDIATE for every transaction (a read-then-write transaction begun
// DEFERRED fails with SQLITE_BUSY despite the timeout) and foreign keys on.
const sqliteParams = "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=30000&_txlock=immediate&_foreign_keys=on"

// sqliteDialect stores times as RFC 3339 text (timeLayout) and judges leases
// by the store's clock. Every transaction holds the whole database, so it
// needs no row or advisory locks.
var sqliteDialect = &dialect{
	timeArg:     func(t time.Time) any { return formatTime(t) },
	migrations:  migrationFolder("sqlite"),
	tableExists: `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`,
	isUnique: func(err error) bool {
		return isSQLiteCode(err, sqlite3.ErrConstraintPrimaryKey, sqlite3.ErrConstraintUnique)
	},
	retryOpen: isBusy,
}

// openSQLite opens the SQLite results database at path, creating the file
// (but not its directory) unless existing is set, and applies the
// migrations it has not seen yet. The path ":memory:" opens a private
// in-memory database.
func openSQLite(ctx context.Context, path string, existing bool, o options) (*DB, error) {
	dsn, err := sqliteDSN(path, existing)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	// One connection per SQLite store: SQLite allows one writer at a time
	// anyway, and a single connection keeps the in-memory database and the
	// per-connection pragmas in one place.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	s := &DB{db: db, d: sqliteDialect, path: path, clock: o.now}
	if err := s.migrateRetrying(ctx); err != nil {
		_ = db.Close() // the migration error is the one to report
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	return s, nil
}

// sqliteDSN returns the driver's DSN for the database file at path, whose
// directory must exist (and, if existing is set, the file too).
func sqliteDSN(path string, existing bool) (string, error) {
	switch path {
	case "":
		return "", errors.New("results: open: empty database path")
	case ":memory:":
		return "file::memory:?" + sqliteParams, nil
	}
	if existing {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return "", &missingError{path}
		} else if err != nil {
			return "", fmt.Errorf("results: open %s: %w", path, err)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("results: open %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("results: open %s: directory %s does not exist", path, dir)
	case err != nil:
		return "", fmt.Errorf("results: open %s: %w", path, err)
	case !fi.IsDir():
		return "", fmt.Errorf("results: open %s: %s is not a directory", path, dir)
	}
	return "file:" + escapePath(abs) + "?" + sqliteParams, nil
}

// escapePath makes a file name safe inside a "file:" URI, where '?' starts
// the query, '#' the fragment and '%' an escape.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// isBusy reports whether err is SQLITE_BUSY ("database is locked"), with any
// extended code.
func isBusy(err error) bool {
	var serr sqlite3.Error
	return errors.As(err, &serr) && serr.Code == sqlite3.ErrBusy
}

// isSQLiteCode reports whether err is a SQLite error with one of the
// extended codes.
func isSQLiteCode(err error, codes ...sqlite3.ErrNoExtended) bool {
	var serr sqlite3.Error
	if !errors.As(err, &serr) {
		return false
	}
	for _, c := range codes {
		if serr.ExtendedCode == c {
			return true
		}
	}
	return false
}

// missingError is the error for a SQLite file that must exist but does not.
// It wraps fs.ErrNotExist.
type missingError struct{ path string }

func (e *missingError) Error() string {
	return fmt.Sprintf("no results database at %s (exp run creates it; --db or $EXP_DB name another)", e.path)
}

func (e *missingError) Unwrap() error { return fs.ErrNotExist }
