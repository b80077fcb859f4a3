package checkpoint

import (
	"fmt"
	"path/filepath"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// TrialDir is the folder under the checkpoints root of run id's
// checkpoints (and, on one machine, its lock file): root/run-ID.
func TrialDir(root string, id int64) string {
	return filepath.Join(root, fmt.Sprintf("run-%d", id))
}

// bestPrefix names the best-epoch checkpoints, DIR/best-NNNNN, beside the
// resume checkpoints; Prune leaves them alone.
const bestPrefix = "best-"

// BestPath returns the folder of the best checkpoint taken at epoch under dir.
func BestPath(dir string, epoch int) string {
	return filepath.Join(dir, fmt.Sprintf("%s%05d", bestPrefix, epoch))
}

// SaveBest writes the variables of ctx, atomically, as the best checkpoint
// of epoch under dir. Older best checkpoints stay until PruneBest.
func SaveBest(dir string, epoch int, ctx *mlctx.Context) error {
	return saveAs(BestPath(dir, epoch), bestPrefix, ctx)
}

// LoadBest reads the best checkpoint of epoch under dir into ctx.
func LoadBest(dir string, epoch int, ctx *mlctx.Context) error {
	return LoadFrom(BestPath(dir, epoch), fmt.Sprintf("best checkpoint of epoch %d", epoch), ctx)
}

// PruneBest removes every best checkpoint under dir but keep's, and any
// temporary folder left by an interrupted SaveBest.
func PruneBest(dir string, keep int) error { return prune(dir, bestPrefix, BestPath(dir, keep)) }
