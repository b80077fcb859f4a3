package checkpoint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	ctx := mlctx.New()
	ctx.In("model").In("dense").VariableWithValue("kernel", []float32{1, 2, 3})
	ctx.In("model").In("bn").VariableWithValue("moving_mean", []float32{0.5}).SetTrainable(false)
	ctx.InAbsPath("/optimizer").VariableWithValue("iterations", int64(42)).SetTrainable(false)
	if err := ctx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	for epoch := 1; epoch <= 3; epoch++ {
		if err := Save(dir, epoch, ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := Prune(dir, 3); err != nil {
		t.Fatal(err)
	}
	if got, _ := Epochs(dir); !slices.Equal(got, []int{3}) {
		t.Errorf("after Prune: %v", got)
	}
	// Leftovers of a Save that crashed before its rename are pruned too.
	os.MkdirAll(filepath.Join(dir, ".tmp-epoch-123"), 0o755)
	Prune(dir, 3)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left in the folder: %v", entries)
	}

	loaded := mlctx.New()
	if err := Load(dir, 3, loaded); err != nil {
		t.Fatal(err)
	}
	count := 0
	for v := range ctx.IterVariables() {
		count++
		lv := loaded.GetVariableByScopeAndName(v.Scope(), v.Name())
		if lv == nil {
			t.Fatalf("variable %s not loaded", v.ScopeAndName())
		}
		if !v.MustValue().Equal(lv.MustValue()) || lv.Trainable != v.Trainable {
			t.Errorf("%s: %v (trainable %v), want %v (trainable %v)", v.ScopeAndName(), lv.MustValue(), lv.Trainable, v.MustValue(), v.Trainable)
		}
	}
	if count != 4 || loaded.NumVariables() != 4 {
		t.Errorf("%d variables saved, %d loaded", count, loaded.NumVariables())
	}
	if err := Load(dir, 2, mlctx.New()); err == nil {
		t.Error("loading a pruned checkpoint succeeded")
	}
	_ = tensors.FromShape(shapes.Make(dtypes.Float32))
}

// TestLayout: the folders a trial's checkpoints live in, which exp show
// and the model export name to the user.
func TestLayout(t *testing.T) {
	root := filepath.Join("ckpt", "sweep")
	for _, tt := range []struct{ got, want string }{
		{TrialDir(root, 7), filepath.Join(root, "run-7")},
		{Path(TrialDir(root, 7), 3), filepath.Join(root, "run-7", "epoch-00003")},
		{BestPath(TrialDir(root, 12), 40), filepath.Join(root, "run-12", "best-00040")},
	} {
		if tt.got != tt.want {
			t.Errorf("%s, want %s", tt.got, tt.want)
		}
	}
}

// testContext returns a context with variables of each kind a trial saves.
func testContext(t *testing.T) *mlctx.Context {
	t.Helper()
	ctx := mlctx.New()
	ctx.In("model").In("dense").VariableWithValue("kernel", []float32{1, 2, 3})
	ctx.In("model").In("bn").VariableWithValue("moving_mean", []float32{0.5}).SetTrainable(false)
	if err := ctx.SetRNGStateFromSeed(5); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// sameVariables fails t unless got holds want's variables, values and
// trainable flags.
func sameVariables(t *testing.T, got, want *mlctx.Context) {
	t.Helper()
	for v := range want.IterVariables() {
		gv := got.GetVariableByScopeAndName(v.Scope(), v.Name())
		if gv == nil || !v.MustValue().Equal(gv.MustValue()) || gv.Trainable != v.Trainable {
			t.Errorf("variable %s: got %v, want %v", v.ScopeAndName(), gv, v.MustValue())
		}
	}
	if got.NumVariables() != want.NumVariables() {
		t.Errorf("%d variables, want %d", got.NumVariables(), want.NumVariables())
	}
}

// TestLinkBest: the best checkpoint made from an epoch's by links loads as
// that epoch's, and outlives the epoch's checkpoint when it is pruned.
func TestLinkBest(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(t)
	if err := LinkBest(dir, 1); err == nil {
		t.Fatal("LinkBest without the epoch's checkpoint succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed LinkBest left %v", entries)
	}
	if err := Save(dir, 1, ctx); err != nil {
		t.Fatal(err)
	}
	if err := LinkBest(dir, 1); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, 2, mlctx.New()); err != nil {
		t.Fatal(err)
	}
	if err := Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	loaded := mlctx.New()
	if err := LoadBest(dir, 1, loaded); err != nil {
		t.Fatal(err)
	}
	sameVariables(t, loaded, ctx)
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left in the folder: %v, want epoch-00002 and best-00001", entries)
	}
}

// TestLoadsGzipCheckpoints: checkpoints written before saves went
// uncompressed (GoMLX's gzip format) still load, so that trials resume
// across the change.
func TestLoadsGzipCheckpoints(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(t)
	path := Path(dir, 1)
	snap := mlctx.New()
	for v := range ctx.IterVariables() {
		snap.InAbsPath(v.Scope()).Checked(false).VariableWithValue(v.Name(), v.MustValue()).Trainable = v.Trainable
	}
	h, err := checkpoints.Build(snap).Dir(path).ExcludeAllParams().Done()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	trainable := map[string]bool{}
	for v := range ctx.IterVariables() {
		trainable[v.ScopeAndName()] = v.Trainable
	}
	vars, err := json.Marshal(trainable)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, varsFile), vars, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded := mlctx.New()
	if err := Load(dir, 1, loaded); err != nil {
		t.Fatal(err)
	}
	sameVariables(t, loaded, ctx)
}

// setKernel sets the test context's kernel to v.
func setKernel(t *testing.T, ctx *mlctx.Context, v ...float32) {
	t.Helper()
	if err := ctx.GetVariableByScopeAndName("/model/dense", "kernel").SetValue(tensors.FromValue(v)); err != nil {
		t.Fatal(err)
	}
}

// TestPartial: partial checkpoints alternate between two slots; the newest
// whole slot is read back, a slot torn by a kill falls back to the other,
// a file with no whole slot is an error, and a new epoch starts a new file.
func TestPartial(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(t)
	if p, err := ReadPartial(dir); p != nil || err != nil {
		t.Fatalf("no partial checkpoint: %v, %v", p, err)
	}
	w := NewPartialWriter(dir)
	defer w.Close()
	read := func() (*Partial, *mlctx.Context) {
		t.Helper()
		p, err := ReadPartial(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := mlctx.New()
		if err := got.SetRNGStateFromSeed(1); err != nil { // overwritten by the restore
			t.Fatal(err)
		}
		if err := p.Restore(got); err != nil {
			t.Fatal(err)
		}
		return p, got
	}
	var want []*mlctx.Context
	for step := 1; step <= 3; step++ {
		setKernel(t, ctx, float32(step), 2, 3)
		if err := w.Save(4, json.RawMessage(fmt.Sprintf(`{"step":%d}`, step)), ctx); err != nil {
			t.Fatal(err)
		}
		p, got := read()
		if string(p.Progress) != fmt.Sprintf(`{"step":%d}`, step) {
			t.Errorf("after save %d: progress %s", step, p.Progress)
		}
		sameVariables(t, got, ctx)
		snap := mlctx.New()
		if err := p.Restore(snap); err != nil {
			t.Fatal(err)
		}
		want = append(want, snap)
	}
	file := filepath.Join(dir, partialFile)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	half := len(b) / 2
	// Save 3 went to slot 0 (saves alternate 0, 1, 0): tear it, as a kill
	// in the middle of its write would, and save 2 is read back.
	torn := slices.Clone(b)
	copy(torn[slotHeader+100:half], make([]byte, half-slotHeader-100))
	if err := os.WriteFile(file, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	p, got := read()
	if string(p.Progress) != `{"step":2}` {
		t.Errorf("with the newest slot torn: progress %s, want step 2's", p.Progress)
	}
	sameVariables(t, got, want[1])
	// Both slots damaged: an error, nothing to use.
	torn[half+9] ^= 1
	if err := os.WriteFile(file, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := ReadPartial(dir); p != nil || err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Errorf("both slots damaged: %v, %v", p, err)
	}
	// Truncated: an error.
	if err := os.WriteFile(file, b[:len(b)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := ReadPartial(dir); p != nil || err == nil {
		t.Errorf("truncated: %v, %v", p, err)
	}
	// The next epoch's first save writes a new file, whole.
	setKernel(t, ctx, 9, 9, 9)
	if err := w.Save(5, json.RawMessage(`{"step":1}`), ctx); err != nil {
		t.Fatal(err)
	}
	if p, got := read(); string(p.Progress) != `{"step":1}` {
		t.Errorf("after a new epoch's save: progress %s", p.Progress)
	} else {
		sameVariables(t, got, ctx)
	}
	// Prune, once the epoch is committed, removes it and leftovers.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-partial-123"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Prune(dir, 5); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left after Prune: %v", entries)
	}
}
