package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

func openStore(t *testing.T, path string, opts ...resultdb.Option) *resultdb.DB {
	t.Helper()
	s, err := resultdb.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRunMLP is the core end-to-end check: the reference MLP config on 2,000
// training and 1,000 validation images for one epoch (learning rate raised)
// reaches val_accuracy > 0.80, with exactly one epochs row in the store.
func TestRunMLP(t *testing.T) {
	for _, backend := range []string{"cpu", "go"} {
		t.Run(backend, func(t *testing.T) { testRunMLP(t, backend) })
	}
}

func testRunMLP(t *testing.T, backend string) {
	db := filepath.Join(t.TempDir(), "runs.db")
	code, out, errOut := run(t, nil, "run", "../../configs/mlp.yaml", "--db", db, "--epochs", "1", "--set", "backend="+backend,
		"--set", "data.train_examples=2000", "--set", "data.val_examples=1000", "--set", "train.learning_rate=3e-3")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Epoch 1/1 - 63/63") || !strings.Contains(out, "1 completed") {
		t.Errorf("output:\n%s", out)
	}
	s := openStore(t, db)
	ctx := context.Background()
	r, err := s.Run(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != record.StatusCompleted || r.Name != "mlp" || r.ModelName != "mlp" || r.LearningRate != 3e-3 || r.Epochs != 1 || r.Backend != backend {
		t.Errorf("run row %+v", r)
	}
	if !strings.Contains(r.ConfigYAML, "train_examples: 2000") || len(r.ConfigHash) != 64 {
		t.Errorf("stored config:\n%s\nhash %q", r.ConfigYAML, r.ConfigHash)
	}
	eps, err := s.Epochs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 {
		t.Fatalf("%d epochs rows, want 1", len(eps))
	}
	if acc := eps[0].ValAccuracy; acc == nil || *acc <= 0.80 {
		t.Errorf("val_accuracy %v, want > 0.80", acc)
	}
	if eps[0].Accuracy == nil || eps[0].Loss == nil || eps[0].MsPerStep <= 0 || eps[0].ExamplesPerSecond <= 0 {
		t.Errorf("epoch row %+v", eps[0])
	}
}

// TestRunCNN trains the reference CNN config on a small slice: it runs and
// its training loss falls from the first epoch to the second.
func TestRunCNN(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	code, out, errOut := run(t, nil, "run", "../../configs/cnn.yaml", "--db", db, "--epochs", "2",
		"--set", "data.train_examples=320", "--set", "data.val_examples=200", "--set", "train.learning_rate=1e-3")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	eps, err := openStore(t, db).Epochs(context.Background(), 1)
	if err != nil || len(eps) != 2 {
		t.Fatalf("epochs %v, %v", eps, err)
	}
	if !(*eps[1].Loss < *eps[0].Loss) {
		t.Errorf("loss did not fall: %.4f then %.4f", *eps[0].Loss, *eps[1].Loss)
	}
}

// TestRunLinear fits y = 3x + 2 + ε by gradient descent: w and b are printed
// and stored, near the least-squares fit of the same data.
func TestRunLinear(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	code, out, errOut := run(t, nil, "run", "../../configs/linear.yaml", "--db", db, "--set", "data.n=2000")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "fitted: w = ") {
		t.Errorf("output lacks the fitted values:\n%s", out)
	}
	s := openStore(t, db)
	r, err := s.Run(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	w, b := r.Summary["w"], r.Summary["b"]
	if d := max(abs(w-r.Summary["ols_w"]), abs(b-r.Summary["ols_b"])); d > 1e-2 {
		t.Errorf("fitted w=%.4f b=%.4f, least squares w=%.4f b=%.4f", w, b, r.Summary["ols_w"], r.Summary["ols_b"])
	}
	eps, _ := s.Epochs(context.Background(), 1)
	if len(eps) != 100 || eps[0].Accuracy != nil || eps[0].ValAccuracy != nil || eps[0].Loss == nil {
		t.Errorf("regression epochs should have a loss and no accuracy: %+v", eps[0])
	}
}

func abs(f float64) float64 { return max(f, -f) }

// TestDeterministic runs the same config twice: the stored metrics are
// bit-identical (times aside).
func TestDeterministic(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	args := []string{"run", "../../configs/mlp.yaml", "--db", db, "--epochs", "2", "--new",
		"--set", "data.train_examples=500", "--set", "data.val_examples=300", "--set", "train.seed=7"}
	for range 2 {
		if code, out, errOut := run(t, nil, args...); code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	}
	s := openStore(t, db)
	a, _ := s.Epochs(context.Background(), 1)
	b, _ := s.Epochs(context.Background(), 2)
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("epochs %d, %d", len(a), len(b))
	}
	for i := range a {
		if *a[i].Loss != *b[i].Loss || *a[i].Accuracy != *b[i].Accuracy || *a[i].ValLoss != *b[i].ValLoss || *a[i].ValAccuracy != *b[i].ValAccuracy {
			t.Errorf("epoch %d differs: %v %v %v %v vs %v %v %v %v", i+1, *a[i].Loss, *a[i].Accuracy, *a[i].ValLoss, *a[i].ValAccuracy,
				*b[i].Loss, *b[i].Accuracy, *b[i].ValLoss, *b[i].ValAccuracy)
		}
	}
}

// TestDiverged: a linear fit by plain gradient descent at a huge learning
// rate overflows; the run stops as diverged with exit code 1.
func TestDiverged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	code, _, errOut := run(t, nil, "run", "../../configs/linear.yaml", "--db", db, "--set", "train.learning_rate=1e3", "--set", "data.n=500")
	if code != ExitFailed || !strings.Contains(errOut, "diverged") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	r, err := openStore(t, db).Run(context.Background(), 1)
	if err != nil || r.Status != record.StatusDiverged || !strings.Contains(r.Error, "not finite") {
		t.Errorf("run %+v, %v", r, err)
	}
}

// TestInterrupted cancels the run's context (as Ctrl-C does) after the first
// epoch is stored: the run is recorded as interrupted, exit code 130, and the
// finished epoch is kept.
func TestInterrupted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	var out, errOut strings.Builder
	go func() {
		m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, Exe: os.Args[0], ChildEnv: childEnv}
		done <- m.Run(ctx, []string{"run", "../../configs/linear.yaml", "--db", db, "--epochs", "100000", "--set", "train.batch_size=32"})
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		s, err := resultdb.Open(context.Background(), db)
		if err == nil {
			eps, _ := s.Epochs(context.Background(), 1)
			s.Close()
			if len(eps) >= 1 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, errOut.String())
	}
	s := openStore(t, db)
	r, _ := s.Run(context.Background(), 1)
	eps, _ := s.Epochs(context.Background(), 1)
	if r.Status != record.StatusInterrupted || len(eps) < 1 || r.FinishedAt == nil {
		t.Errorf("run %+v with %d epochs", r, len(eps))
	}
}

func TestValidateSummaries(t *testing.T) {
	// From internal/, the config paths read as they do from a folder beside
	// configs/, as the golden files print them.
	t.Chdir("..")
	for _, name := range []string{"mlp", "cnn", "linear", "residual", "residual_gap"} {
		code, out, errOut := run(t, nil, "validate", fmt.Sprintf("../configs/%s.yaml", name))
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		golden(t, "validate_"+name+".golden", out)
	}
}

func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, ExitUsage, "Usage:\n\texp <command>"},
		{[]string{"help"}, ExitOK, "Commands:"},
		{[]string{"help", "run"}, ExitOK, "Usage: exp run FILE"},
		{[]string{"run", "--help"}, ExitOK, "Examples:"},
		{[]string{"rn"}, ExitUsage, `unknown command "rn"; did you mean "run"?`},
		{[]string{"run"}, ExitUsage, "expected one config file"},
		{[]string{"run", "a.yaml", "--bogus"}, ExitUsage, "flag provided but not defined: -bogus"},
		{[]string{"run", "missing.yaml"}, ExitUsage, "config file missing.yaml does not exist"},
		{[]string{"validate", "a", "b"}, ExitUsage, "expected one config file, got 2"},
	} {
		code, out, errOut := run(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("exp %v: exit %d, output:\n%s%s\nwant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
}

// TestStatus renders exp status for a sweep stored with a fixed clock.
func TestStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	clock := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	s := openStore(t, db, resultdb.WithClock(func() time.Time { clock = clock.Add(30 * time.Second); return clock }))
	ctx := context.Background()
	sw, _, err := s.OpenSweep(ctx, "sweep", "/work/configs/sweep.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var plan []*record.Run
	for i, lr := range []float64{1e-4, 1e-3, 1e-2} {
		plan = append(plan, &record.Run{Name: "sweep", ModelName: "mlp", ConfigYAML: "x", ConfigHash: fmt.Sprint(i),
			Backend: "go", Optimizer: "adam", LearningRate: lr, BatchSize: 32, Epochs: 4, Variant: "mlp",
			Params: map[string]any{"variant": "mlp", "train.learning_rate": lr}})
	}
	all, _, err := s.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	free := resultdb.Claim{Owner: "t"}
	for i, accs := range [][]float64{{0.91, 0.93, 0.94, 0.95}, {0.95, 0.97}} {
		r, err := s.ClaimTrial(ctx, []int64{all[i].ID}, free)
		if err != nil {
			t.Fatal(err)
		}
		for e, a := range accs {
			if err := s.AddTrialEpoch(ctx, "t", &record.Epoch{RunID: r.ID, Epoch: e + 1, ValAccuracy: f(a), Seconds: 60}); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			s.FinishTrial(ctx, r.ID, "t", resultdb.Outcome{Status: record.StatusCompleted})
		}
	}
	var out, errOut strings.Builder
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, Now: func() time.Time { return clock.Add(time.Minute) }}
	if code := m.Run(ctx, []string{"status", "--db", db}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	golden(t, "status.golden", out.String())
	if code := m.Run(ctx, []string{"status", "--db", db, "nosuch"}); code != ExitUsage || !strings.Contains(errOut.String(), `no sweep named "nosuch"`) {
		t.Errorf("unknown sweep: exit %d, %s", code, errOut.String())
	}
}

// TestHelpAligned checks that exp help starts every command's summary in
// one column, however long the longest command name is.
func TestHelpAligned(t *testing.T) {
	_, out, _ := run(t, nil, "help")
	_, list, ok := strings.Cut(out, "Commands:\n")
	if !ok {
		t.Fatalf("no command list in:\n%s", out)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	col := -1
	for _, line := range strings.Split(list, "\n") {
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "\t"), " ")
		at := len(name) + strings.Index(line[1+len(name):], strings.TrimSpace(line[1+len(name):]))
		if col == -1 {
			col = at
		}
		if at != col {
			t.Errorf("summary of %q starts at column %d, want %d:\n%s", name, at, col, list)
		}
	}
}

// TestValidateONNX: exp validate summarises an onnx layer under the model
// (file, opset, cut and output shape, parameters split as they train, the
// ones that unfreeze, ops) and counts its frozen weights as non-trainable.
func TestValidateONNX(t *testing.T) {
	code, out, errOut := run(t, nil, "validate", "testdata/onnx_backbone.yaml")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "validate_onnx.golden", out)
}
