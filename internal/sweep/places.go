package sweep

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/resultdb"
)

// Places returns where the trials of a sweep recorded in the database
// dbPath keep their checkpoints, and the lease of their claims (0: lock
// files). A PostgreSQL database needs a checkpoints folder that every
// worker shares and a lease of at least 3 s; a SQLite one uses lock files,
// and keeps the checkpoints beside the database by default (DB-checkpoints
// for DB.db). The errors name exp run's flags.
func Places(dbPath, checkpoints string, lease time.Duration) (string, time.Duration, error) {
	switch {
	case resultdb.IsPostgres(dbPath):
		if checkpoints == "" {
			return "", 0, errors.New("with a PostgreSQL database, --checkpoints DIR is required: a folder every worker can read and write (a shared filesystem), so that a trial can resume on another machine")
		}
		if lease < 3*time.Second {
			return "", 0, fmt.Errorf("--lease must be at least 3s, got %s", lease)
		}
		return checkpoints, lease, nil
	case checkpoints == "":
		checkpoints = strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-checkpoints"
	}
	return checkpoints, 0, nil
}
