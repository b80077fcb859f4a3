package checkpoint

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
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
