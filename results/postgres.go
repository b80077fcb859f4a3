package results

import (
	"context"
	"errors"
)

// Postgres is the results store on a PostgreSQL server.
type Postgres struct{ SQLite }

// OpenPostgres opens the PostgreSQL database at dsn.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	return nil, errors.New("results: PostgreSQL support is not built yet")
}
