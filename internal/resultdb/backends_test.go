package resultdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The store tests run on every backend: SQLite in a temporary file, and
// PostgreSQL when EXP_TEST_POSTGRES holds the URL of a database whose role
// may create databases (each test creates a database of its own and drops
// it at the end, so tests run in parallel and leave nothing behind).
// Without EXP_TEST_POSTGRES the PostgreSQL cases skip, unless CI is set:
// then they fail.
const envTestPostgres = "EXP_TEST_POSTGRES"

// testDB is a fresh, empty database of one backend.
type testDB struct {
	backend string // "sqlite" or "postgres"
	dsn     string // what Open takes: a file path or a PostgreSQL URL
}

func (d *testDB) postgres() bool { return d.backend == "postgres" }

// open opens a store on the database with opts, closed when the test ends.
func (d *testDB) open(t testing.TB, opts ...Option) *DB {
	t.Helper()
	s, err := Open(context.Background(), d.dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// backends are the stores under test.
var backends = []struct {
	name string
	db   func(t testing.TB) *testDB
}{
	{"sqlite", sqliteDB},
	{"postgres", postgresDB},
}

// eachBackend runs fn as one subtest per backend, each on a fresh database.
// The PostgreSQL subtests run in parallel with each other.
func eachBackend(t *testing.T, fn func(t *testing.T, db *testDB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := b.db(t)
			if db.postgres() {
				t.Parallel()
			}
			fn(t, db)
		})
	}
}

func sqliteDB(t testing.TB) *testDB {
	return &testDB{backend: "sqlite", dsn: filepath.Join(t.TempDir(), "results.db")}
}

// postgresDB creates a database of its own on the EXP_TEST_POSTGRES server,
// dropped when the test ends; without a server it skips the test (fails it
// under CI).
func postgresDB(t testing.TB) *testDB {
	t.Helper()
	admin := os.Getenv(envTestPostgres)
	if admin == "" {
		msg := "no PostgreSQL server to test on: set " + envTestPostgres + "=postgres://USER@HOST:PORT/DB " +
			"(a role that may CREATE DATABASE; see .ci/run, which starts a throw-away server)"
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "exp_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("%s: %v", envTestPostgres, scrubError(err, dsnPassword(admin)))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return &testDB{backend: "postgres", dsn: withDatabase(t, admin, name)}
}

// withDatabase returns the PostgreSQL URL dsn naming database name instead.
func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", envTestPostgres, scrubError(err, dsnPassword(dsn)))
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("dbname")
	u.RawQuery = q.Encode()
	return u.String()
}

// row is a query's first row.
type row interface{ Scan(dest ...any) error }

// rawQuery returns the store's database and, of sqliteQuery and pgQuery,
// the one in its dialect (written in that dialect's placeholders).
func rawQuery(s *DB, sqliteQuery, pgQuery string) (*sql.DB, string) {
	if s.d == pgDialect {
		return s.db, pgQuery
	}
	return s.db, sqliteQuery
}

// rawRow runs a query straight on the store's database: sqliteQuery on
// SQLite, pgQuery on PostgreSQL.
func rawRow(s *DB, sqliteQuery, pgQuery string, args ...any) row {
	db, q := rawQuery(s, sqliteQuery, pgQuery)
	return db.QueryRowContext(context.Background(), q, args...)
}

// rawExec runs a statement straight on the store's database.
func rawExec(s *DB, sqliteQuery, pgQuery string, args ...any) error {
	db, q := rawQuery(s, sqliteQuery, pgQuery)
	_, err := db.ExecContext(context.Background(), q, args...)
	return err
}

// rawStrings returns the first column of a query's rows.
func rawStrings(t *testing.T, s *DB, sqliteQuery, pgQuery string, args ...any) []string {
	t.Helper()
	db, q := rawQuery(s, sqliteQuery, pgQuery)
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
