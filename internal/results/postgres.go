package results

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is exp's results store in a PostgreSQL database, shared by exp
// processes on many machines (one sweep, many workers). It has the tables,
// columns and behaviour of SQLite, in PostgreSQL's types (see
// migrations/postgres/*.sql): bigint ids and integers, double precision
// reals, timestamptz times, and json (not jsonb) for the JSON columns, which
// keeps exp's text exactly as SQLite does. It is safe for concurrent use.
//
// It talks to the server through a pgx connection pool (github.com/jackc/pgx/v5,
// pgxpool): native PostgreSQL types (timestamptz as time.Time, bigint[] for
// the candidate ids of a claim), the server's error codes, and a pool that
// the heartbeat goroutine of a trial shares with its writes.
//
// # Clocks
//
// Two clocks are used, on purpose. The times exp records about a run
// (runs.started_at and finished_at, epochs.finished_at, sweeps.created_at)
// come from Now, the client's clock, as in SQLite, so tests can pin them with
// SetNow. Leases are the database server's business: lease_expires_at is set
// to the server's now() plus the lease, and whether a lease ran out is judged
// by the server's now() too, so workers on machines whose clocks disagree
// still agree on who owns a trial. Every time is stored truncated to
// milliseconds and read back in UTC.
//
// # Concurrency
//
// Migrations run each in its own transaction under a transaction-level
// advisory lock, so processes opening a new database at once apply each one
// once. OpenSweep serialises on an advisory lock per (name, file) and
// PlanTrials on the sweep's row, so workers starting one sweep at once share
// it and number its trials once. A claim is one UPDATE of the first claimable
// candidate, picked with FOR UPDATE SKIP LOCKED, so concurrent claimers never
// take the same trial nor wait on each other. Writes for a claimed trial
// (AddTrialEpoch, Heartbeat, FinishTrial) lock the trial's row and check the
// owner token and the lease in the same transaction.
type Postgres struct {
	// Now is the clock for the times exp records (not for leases, which use
	// the server's clock). It defaults to time.Now; its readings are stored
	// in UTC, truncated to milliseconds.
	Now func() time.Time

	pool *pgxpool.Pool
	url  string // the DSN without its password
}

var _ Store = (*Postgres)(nil)

//go:embed migrations/postgres/*.sql
var pgMigrationFS embed.FS

// Advisory lock keys (per database). pgMigrationLock serialises schema
// migrations; pgSweepLock, with a hash of a sweep's name and file, the
// lookup-or-create of OpenSweep.
const (
	pgMigrationLock int64 = 0x6578702d6d696772 // "exp-migr"
	pgSweepLock     int32 = 0x65787073         // "exps"
)

// OpenPostgres opens the PostgreSQL database at dsn, a URL such as
// postgres://user:password@host:5432/db?sslmode=disable (any parameter pgx
// understands, e.g. pool_max_conns), and applies the migrations it has not
// seen yet. Errors name the server and the database, never the password.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	safe := redactDSN(dsn)
	secret := dsnPassword(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %w", safe, scrubError(err, secret))
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "exp"
	}
	where := fmt.Sprintf("database %q on %s", cfg.ConnConfig.Database,
		net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("results: open %s: %s: %w", safe, where, scrubError(err, secret))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("results: open %s: cannot connect to %s: %w", safe, where, scrubError(connectCause(err), secret))
	}
	s := &Postgres{Now: time.Now, pool: pool, url: safe}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("results: open %s: %w", safe, scrubError(err, secret))
	}
	return s, nil
}

// connectCause returns the telling part of a connection error: the server's
// error (no such database or role, wrong password) or the network's (refused,
// unknown host), else err itself.
func connectCause(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return ne
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de
	}
	return err
}

// dsnUserinfo matches the user and password of a URL that net/url rejects.
var dsnUserinfo = regexp.MustCompile(`^([a-z]+://[^:/@?#]*):([^@]*)@`)

// redactDSN returns a PostgreSQL URL without its password (in the user
// information or as a password= parameter).
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		// Not a URL pgx could parse either; still never show a password.
		s := dsnUserinfo.ReplaceAllString(dsn, "$1@")
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.User(u.User.Username())
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// dsnPassword returns the password in dsn, "" for none.
func dsnPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		if m := dsnUserinfo.FindStringSubmatch(dsn); m != nil {
			return m[2]
		}
		return ""
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return p
	}
	return u.Query().Get("password")
}

// scrubError returns err, or, if its message shows the password, an error
// with the password replaced by "xxxxx" (that no longer unwraps to err).
func scrubError(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "xxxxx"))
}

// Path returns the database's URL without its password.
func (s *Postgres) Path() string { return s.url }

// Close closes the connections.
func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

// SetNow replaces the clock of the times exp records (see Postgres.Now).
func (s *Postgres) SetNow(now func() time.Time) { s.Now = now }

// now returns the store's clock reading as stored: UTC, whole milliseconds.
func (s *Postgres) now() time.Time {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	return normTime(now())
}

// tx runs fn in one transaction (READ COMMITTED) and commits it if fn
// succeeds. A cancelled ctx fails with its own error before anything runs.
func (s *Postgres) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// pgMigrationNames returns the embedded PostgreSQL migrations in the order
// they are applied.
func pgMigrationNames() ([]string, error) {
	names, err := fs.Glob(pgMigrationFS, "migrations/postgres/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies, in order, each embedded migration not yet recorded in the
// migrations table, each in its own transaction that first takes the
// migration advisory lock, then refuses a database that records a migration
// this binary does not know. A database that is up to date is only read, so
// a role that may not create tables (a read-only one, for exp table) can
// open it.
func (s *Postgres) migrate(ctx context.Context) error {
	names, err := pgMigrationNames()
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[path.Base(name)] = true
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("list applied migrations: %w", err)
	}
	if missing := len(names) - countKnown(applied, known); missing > 0 {
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
func (s *Postgres) appliedMigrations(ctx context.Context) ([]string, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// applyMigrations applies each of the migrations names that the database
// does not record yet, in order, each in its own transaction under the
// migration advisory lock, so that concurrent openers apply each once.
func (s *Postgres) applyMigrations(ctx context.Context, names []string) error {
	lock := func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock)
		return err
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lock(tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (name text PRIMARY KEY)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, name := range names {
		base := path.Base(name)
		err := s.tx(ctx, func(tx pgx.Tx) error {
			if err := lock(tx); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM migrations WHERE name = $1)`, base).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			buf, err := fs.ReadFile(pgMigrationFS, name)
			if err != nil {
				return err
			}
			// Without arguments pgx uses the simple protocol, which runs a
			// file of several statements.
			if _, err := tx.Exec(ctx, string(buf)); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO migrations (name) VALUES ($1)`, base)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// pgCode returns the SQLSTATE of a PostgreSQL error ("" for other errors).
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// SQLSTATEs exp tells apart.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// pgTime returns a stored time in UTC (pgx reads timestamptz in the local zone).
func pgTime(t time.Time) time.Time { return t.UTC() }

func pgTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := pgTime(*t)
	return &u
}

// pgLease is the SQL of "the server's clock plus $n microseconds", as stored.
func pgLease(n int) string {
	return fmt.Sprintf(`date_trunc('milliseconds', now() + $%d::bigint * interval '1 microsecond')`, n)
}

// str returns *p, "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
