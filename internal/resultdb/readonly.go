package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// sqliteReadOnlyParams open a SQLite file that exp never writes through:
// read-only (mode=ro) and query_only, with the usual busy timeout. The
// journal mode is left as the writers set it (WAL). Connections add
// immutable=1 while the file's -wal holds no commits (see
// readonly_sqlite.go).
const sqliteReadOnlyParams = "mode=ro&_query_only=1&_busy_timeout=30000"

// ErrNeedsMigration is wrapped by OpenReadOnly's error for a database that
// still lacks migrations this exp knows: a read-only store cannot apply
// them.
var ErrNeedsMigration = errors.New("the database needs migrating: run any other exp command on it first (e.g. exp status)")

// ReadOnly is a database opened by OpenReadOnly: the reads of Reader, and
// DataVersion. It has no method that writes.
type ReadOnly struct {
	Reader
	s *DB

	mu   sync.Mutex
	conn *sql.Conn // SQLite: the connection whose data_version is read
	gen  int       // SQLite: how many times conn was replaced
	// unmigrated is the migration check's error for the file conn reads,
	// once it was replaced (nil: none).
	unmigrated error
}

// OpenReadOnly opens an existing results database that it never writes to:
// a SQLite file with mode=ro and query_only, a PostgreSQL database with
// default_transaction_read_only. It applies no migrations: a database that
// still needs one is refused with ErrNeedsMigration. A missing SQLite file
// is an error too.
//
// A SQLite file whose -wal holds no commits is read as immutable: no -wal
// or -shm file is created, and nothing is opened for writing. Once a
// writer commits, or the file is written or replaced by another, the
// store reads the file as it is then (see readonly_sqlite.go).
func OpenReadOnly(ctx context.Context, dsn string, opts ...Option) (*ReadOnly, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var s *DB
	var err error
	if IsPostgres(dsn) {
		s, err = openPostgresReadOnly(ctx, dsn, o)
	} else {
		s, err = openSQLiteReadOnly(ctx, dsn, o)
	}
	if err != nil {
		return nil, err
	}
	ro := &ReadOnly{Reader: s, s: s}
	if s.d == sqliteDialect {
		if ro.conn, err = s.db.Conn(ctx); err != nil {
			_ = s.Close() // the connection's error is the one to report
			return nil, fmt.Errorf("results: open %s: %w", s.path, err)
		}
	}
	return ro, nil
}

// Close closes the database.
func (r *ReadOnly) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conn != nil {
		_ = r.conn.Close() // returns it to the pool, which Close closes
	}
	return r.s.Close()
}

// DataVersion returns a value that changes whenever a commit changes the
// database, so a reader can cache what it derived until then. On PostgreSQL
// it is a fingerprint of the runs' statuses and the epochs recorded. On
// SQLite it is GEN.N: N is PRAGMA data_version of one connection kept for
// it (the commits of other connections change it), GEN counts the times
// that connection was replaced because the file changed under an
// immutable reading, or was replaced by another file (whose migrations
// are then checked). It holds no transaction open.
func (r *ReadOnly) DataVersion(ctx context.Context) (string, error) {
	if r.s.d != sqliteDialect {
		var a, b, c, d int64
		err := r.s.queryRow(ctx, r.s.db, `SELECT (SELECT COUNT(*) FROM epochs), (SELECT COUNT(*) FROM runs),
			(SELECT COALESCE(SUM(attempts), 0) FROM runs), (SELECT COUNT(*) FROM runs WHERE status <> 'running' AND status <> 'pending')`).Scan(&a, &b, &c, &d)
		return fmt.Sprintf("%d.%d.%d.%d", a, b, c, d), err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for try := 0; ; try++ {
		if err := r.renew(ctx); err != nil {
			return "", fmt.Errorf("results: %s: %w", r.s.path, err)
		}
		var v int64
		err := r.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
		if errors.Is(err, errFileChanged) && try == 0 {
			continue // the file changed since renew looked: look again
		}
		return fmt.Sprintf("%d.%d", r.gen, v), err
	}
}

// renew replaces the data version's connection if its file changed (or it
// has none), checking the migrations of the file it then reads. r.mu is
// held.
func (r *ReadOnly) renew(ctx context.Context) error {
	if r.conn != nil {
		var stale error
		_ = r.conn.Raw(func(dc any) error { // the function's error is returned as is
			if c, ok := dc.(*roConn); ok {
				stale = c.check()
			}
			return nil
		})
		if stale == nil {
			return r.unmigrated
		}
		_ = r.conn.Close() // back to the pool, which drops it (roConn.IsValid)
		r.conn = nil
		r.gen++
	}
	conn, err := r.s.db.Conn(ctx)
	if err != nil {
		return err
	}
	r.conn = conn
	if r.gen > 0 {
		r.unmigrated = r.s.checkMigrated(ctx)
	}
	return r.unmigrated
}

// openSQLiteReadOnly opens the SQLite file at path read-only and checks its
// migrations.
func openSQLiteReadOnly(ctx context.Context, path string, o options) (*DB, error) {
	if path == ":memory:" {
		return nil, fmt.Errorf("results: open %s: a private in-memory database cannot be opened read-only", path)
	}
	dsn, err := sqliteDSN(path, true)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	db := sql.OpenDB(&roConnector{path: abs, dsn: dsn[:strings.IndexByte(dsn, '?')+1] + sqliteReadOnlyParams, drv: &sqlite3.SQLiteDriver{}})
	// A few connections: one is kept for PRAGMA data_version (see
	// DataVersion), so reading it never waits behind a long query.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &DB{db: db, d: sqliteDialect, path: path, clock: o.now}
	if err := s.checkMigrated(ctx); err != nil {
		_ = db.Close() // the check's error is the one to report
		return nil, fmt.Errorf("results: open %s: %w", path, err)
	}
	return s, nil
}

// openPostgresReadOnly opens dsn with every transaction read-only. Opening
// migrates an out-of-date database, which then fails as a write; that
// failure is reported as ErrNeedsMigration.
func openPostgresReadOnly(ctx context.Context, dsn string, o options) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %w", redactDSN(dsn), err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	s, err := openPostgres(ctx, u.String(), o)
	if err != nil && pgCode(err) == "25006" { // read_only_sql_transaction
		return nil, fmt.Errorf("results: open %s: %w", redactDSN(dsn), ErrNeedsMigration)
	}
	return s, err
}

// checkMigrated fails with ErrNeedsMigration unless the database records
// every migration this binary has.
func (s *DB) checkMigrated(ctx context.Context) error {
	names, err := migrationNames(s.d.migrations)
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("list applied migrations: %w", err)
	}
	have := map[string]bool{}
	for _, a := range applied {
		have[a] = true
	}
	for _, n := range names {
		if !have[n] {
			return ErrNeedsMigration
		}
	}
	return nil
}
