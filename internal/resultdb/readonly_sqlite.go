package resultdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/mattn/go-sqlite3"
)

// A read-only SQLite store reads the file in one of two ways, chosen for
// each connection when it opens:
//
//   - immutable: when the file's -wal is absent or empty (no writer has
//     committed since the last checkpoint), SQLite is told the file does
//     not change (immutable=1). It then takes no locks and creates no
//     -wal or -shm file: the viewer of a finished database leaves no trace
//     and holds nothing open for writing.
//   - WAL: when the -wal holds commits, the connection reads through it as
//     any SQLite reader does (sharing the writers' -wal and -shm, which
//     SQLite opens read-write for its locks; the database file itself is
//     opened read-only).
//
// An immutable connection is only right while the file does not change:
// each one records the file's identity (device and inode), size and
// modification time and whether the -wal holds commits when it opens, and
// is dropped by the pool as soon as any of them differs; a query that
// ends after the file changed fails with errFileChanged rather than
// return what it read. A WAL connection is dropped when the file's
// identity changes (the file was replaced). New connections see the file
// as it is then, so a reader follows a writer that starts, and a file
// replaced by another.

// errFileChanged is the error of a query on an immutable connection whose
// file changed meanwhile: what it read may mix the file's two states.
var errFileChanged = errors.New("the database file changed while it was read; ask again")

// fileState is what tells a database file's contents apart without
// reading them.
type fileState struct {
	fi  fs.FileInfo // the database file's: identity, size, modification time
	wal bool        // its -wal exists and is not empty
}

// statDB reads the state of the database file at path.
func statDB(path string) (fileState, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileState{}, err
	}
	wi, err := os.Stat(path + "-wal")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fileState{}, err
	}
	return fileState{fi: fi, wal: err == nil && wi.Size() > 0}, nil
}

// sameFile reports whether a and b are the same file (not replaced).
func (a fileState) sameFile(b fileState) bool { return os.SameFile(a.fi, b.fi) }

// unchanged reports whether b is a's file, not written since, with no
// commits in its -wal.
func (a fileState) unchanged(b fileState) bool {
	return a.sameFile(b) && a.fi.Size() == b.fi.Size() && a.fi.ModTime().Equal(b.fi.ModTime()) && a.wal == b.wal
}

// roConnector opens the connections of a read-only SQLite store.
type roConnector struct {
	path string // absolute
	dsn  string // the driver's DSN, without immutable
	drv  *sqlite3.SQLiteDriver
}

// Connect opens a connection, immutable when the file's -wal holds no
// commits.
func (c *roConnector) Connect(context.Context) (driver.Conn, error) {
	st, err := statDB(c.path)
	if err != nil {
		return nil, err
	}
	dsn := c.dsn
	if !st.wal {
		dsn += "&immutable=1"
	}
	conn, err := c.drv.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &roConn{SQLiteConn: conn.(*sqlite3.SQLiteConn), path: c.path, at: st, immutable: !st.wal}, nil
}

// Driver returns the SQLite driver.
func (c *roConnector) Driver() driver.Driver { return c.drv }

// roConn is a read-only connection that knows the file's state when it
// opened.
type roConn struct {
	*sqlite3.SQLiteConn
	path      string
	at        fileState
	immutable bool
}

// check returns nil while the connection reads the file as it is now.
func (c *roConn) check() error {
	now, err := statDB(c.path)
	switch {
	case err != nil:
		return err
	case !c.at.sameFile(now):
		return fmt.Errorf("%s was replaced by another file", c.path)
	case c.immutable && !c.at.unchanged(now):
		return errFileChanged
	}
	return nil
}

// IsValid tells the pool to drop the connection once its file changed.
func (c *roConn) IsValid() bool { return c.check() == nil }

// ResetSession drops a pooled connection whose file changed while it was
// idle, before it is used again.
func (c *roConn) ResetSession(context.Context) error {
	if c.check() != nil {
		return driver.ErrBadConn
	}
	return nil
}

// QueryContext runs a query; on an immutable connection its rows fail
// with errFileChanged if the file changed before they were all read.
func (c *roConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.SQLiteConn.QueryContext(ctx, query, args)
	if err != nil || !c.immutable {
		if err != nil && c.immutable && c.check() != nil {
			return nil, errFileChanged
		}
		return rows, err
	}
	return &roRows{SQLiteRows: rows.(*sqlite3.SQLiteRows), c: c}, nil
}

// roRows are the rows of a query on an immutable connection: they check
// the file once they end (the last Next, or Close, whichever comes first).
type roRows struct {
	*sqlite3.SQLiteRows
	c       *roConn
	checked bool
}

// Next reads the next row; at the end, or on an error, it checks the file.
func (r *roRows) Next(dest []driver.Value) error {
	err := r.SQLiteRows.Next(dest)
	if err != nil && !r.checked {
		r.checked = true
		if r.c.check() != nil {
			return errFileChanged
		}
	}
	return err
}

// Close closes the rows and checks the file, unless Next did.
func (r *roRows) Close() error {
	err := r.SQLiteRows.Close()
	if !r.checked {
		r.checked = true
		if r.c.check() != nil {
			return errFileChanged
		}
	}
	return err
}

var (
	_ driver.Connector       = (*roConnector)(nil)
	_ driver.Validator       = (*roConn)(nil)
	_ driver.SessionResetter = (*roConn)(nil)
	_ driver.QueryerContext  = (*roConn)(nil)
)
