package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

const prefix = "epoch-"

// Path returns the folder of epoch's checkpoint under dir.
func Path(dir string, epoch int) string {
	return filepath.Join(dir, fmt.Sprintf("%s%05d", prefix, epoch))
}

// Save writes the variables of ctx as the checkpoint of epoch under dir.
func Save(dir string, epoch int, ctx *mlctx.Context) error {
	return saveAs(Path(dir, epoch), prefix, ctx)
}

// saveAs writes the variables of ctx atomically as the folder final, via a
// temporary folder beside it named after tmpPrefix.
func saveAs(final, tmpPrefix string, ctx *mlctx.Context) error {
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+tmpPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	// A handler attaches to its context for good: give it a fresh context
	// holding the same variable values (shared, not copied).
	snap := mlctx.New()
	for v := range ctx.IterVariables() {
		if FileWeight(v) {
			continue
		}
		value, err := v.Value()
		if err != nil {
			return fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		nv := snap.InAbsPath(v.Scope()).Checked(false).VariableWithValue(v.Name(), value)
		nv.Trainable = v.Trainable
	}
	// Uncompressed: gzip took most of a small model's save (tens of
	// milliseconds at every epoch's end) and hardly shrinks float32 weights;
	// Load reads either format.
	h, err := checkpoints.Build(snap).Dir(tmp).ExcludeAllParams().WithCompression(checkpoints.BinUncompressed).Done()
	if err != nil {
		return err
	}
	if err := h.Save(); err != nil {
		return err
	}
	// GoMLX's format does not say which variables are trainable (and its
	// Save adds a global_step of its own): list ours beside it.
	trainable := map[string]bool{}
	for v := range ctx.IterVariables() {
		if !FileWeight(v) {
			trainable[v.ScopeAndName()] = v.Trainable
		}
	}
	b, err := json.Marshal(trainable)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, varsFile), b, 0o644); err != nil {
		return err
	}
	if err := writeSums(tmp); err != nil {
		return err
	}
	if err := syncDir(tmp, true); err != nil {
		return err
	}
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return syncDir(dir, false)
}

// syncDir fsyncs dir and, with files, every file in it.
func syncDir(dir string, files bool) error {
	if files {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := syncFile(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return syncFile(dir)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Load reads epoch's checkpoint under dir into ctx: every variable it holds
// is created or overwritten.
func Load(dir string, epoch int, ctx *mlctx.Context) error {
	return LoadFrom(Path(dir, epoch), fmt.Sprintf("checkpoint of epoch %d", epoch), ctx)
}

// LoadFrom reads the checkpoint folder path (what names it in errors) into
// ctx, as Load does, checking its consistency (see LoadWith).
func LoadFrom(path, what string, ctx *mlctx.Context) error {
	return LoadWith(path, what, ctx, LoadOptions{})
}

// varsFile maps, as JSON, each saved variable to whether it is trainable.
const varsFile = "variables.json"

// Epochs lists the epochs with a checkpoint under dir, in order.
func Epochs(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), prefix)); err == nil {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out, nil
}

// Prune removes every checkpoint under dir but keep's, and any temporary
// folder left by an interrupted Save. It is called once epoch keep is
// committed, so it also removes the partial checkpoint (of that epoch or
// an earlier one) and any temporary file of a partial save.
func Prune(dir string, keep int) error {
	if err := RemovePartial(dir); err != nil {
		return err
	}
	if err := prune(dir, ".tmp-"+partialFile, ""); err != nil {
		return err
	}
	return prune(dir, prefix, Path(dir, keep))
}

// prune removes every folder under dir whose name starts with namePrefix
// (or is a temporary folder of one) but keepPath.
func prune(dir, namePrefix, keepPath string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if name == filepath.Base(keepPath) || !(strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, ".tmp-"+namePrefix)) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
