package cli

import (
	"time"

	"github.com/exp-runner/exp/internal/suggest"
	"github.com/exp-runner/exp/internal/sweep"
)

func nearestCommand(name string) string { return suggest.Nearest(name, commandNames()) }

// checkpointsRoot returns where the trials recorded in the database dbPath
// keep their checkpoints: --checkpoints DIR, or the default beside a SQLite
// database (a PostgreSQL one has none: DIR is required).
func checkpointsRoot(dbPath, dir string) (string, error) {
	root, _, err := sweep.Places(dbPath, dir, 3*time.Second)
	if err != nil {
		return "", usageError("exp: %v", err)
	}
	return root, nil
}
