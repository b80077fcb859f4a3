package checkpoint

import (
	"fmt"
	"os"
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

// LinkBest makes the checkpoint of epoch under dir (written by Save) also
// the best checkpoint of epoch, atomically, by hard-linking its files
// rather than writing them again. It fails, leaving no best checkpoint of
// epoch, where epoch has no checkpoint or the file system has no hard
// links; SaveBest then writes one.
func LinkBest(dir string, epoch int) error {
	src := Path(dir, epoch)
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+bestPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s: %s is not a file", src, e.Name())
		}
		// The files were synced by Save: only the folders need syncing.
		if err := os.Link(filepath.Join(src, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			return err
		}
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	final := BestPath(dir, epoch)
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return syncDir(dir, false)
}
