package resultdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Advisory lock keys (per database). pgMigrationLock serialises schema
// migrations; pgSweepLock, with a hash of a sweep's name and file, the
// lookup-or-create of OpenSweep.
const (
	pgMigrationLock int64 = 0x6578702d6d696772 // "exp-migr"
	pgSweepLock     int32 = 0x65787073         // "exps"
)

// pgUniqueViolation is the SQLSTATE of a unique constraint's violation.
const pgUniqueViolation = "23505"

// pgDialect stores times as timestamptz and judges leases by the server's
// clock. A claim skips rows other claimers hold (FOR UPDATE SKIP LOCKED);
// writes for a trial lock its row; advisory locks serialise migrations and
// the lookup-or-create of a sweep. Summaries read one snapshot.
var pgDialect = &dialect{
	dollar:         true,
	serverClock:    true,
	forUpdate:      " FOR UPDATE",
	skipLocked:     " FOR UPDATE SKIP LOCKED",
	timeArg:        func(t time.Time) any { return normTime(t) },
	migrations:     migrationFolder("postgres"),
	tableExists:    `SELECT to_regclass(?) IS NOT NULL`,
	lockMigrations: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, pgMigrationLock),
	lockSweep:      fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(CAST(? AS text) || E'\n' || CAST(? AS text)))`, pgSweepLock),
	isUnique:       func(err error) bool { return pgCode(err) == pgUniqueViolation },
	retryOpen:      func(error) bool { return false },
	snapshots:      true,
}

// openPostgres opens the PostgreSQL database at dsn, a URL such as
// postgres://user:password@host:5432/db?sslmode=disable (any parameter
// pgxpool understands, e.g. pool_max_conns), and applies the migrations it
// has not seen yet. Errors name the server and the database, never the
// password.
//
// Connections come from a pgx pool (github.com/jackc/pgx/v5/pgxpool) seen
// through database/sql (pgx's stdlib), so the pool's URL parameters keep
// working and the store's core is the same as SQLite's.
func openPostgres(ctx context.Context, dsn string, o options) (*DB, error) {
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
	s := &DB{db: stdlib.OpenDBFromPool(pool), d: pgDialect, path: safe, clock: o.now, onClose: pool.Close}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close() // the migration error is the one to report
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

// pgCode returns the SQLSTATE of a PostgreSQL error ("" for other errors).
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
