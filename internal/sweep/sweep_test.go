package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/train"
)

func TestDecide(t *testing.T) {
	median := &plan.Prune{Rule: "median", MinTrials: 3, Monitor: "val_accuracy", Eta: 3}
	for _, tt := range []struct {
		p      *plan.Prune
		own    float64
		others []float64
		prune  bool
	}{
		{median, 0.5, []float64{0.9, 0.8}, false},                                                         // too few others
		{median, 0.5, []float64{0.9, 0.8, 0.7}, true},                                                     // median 0.8
		{median, 0.85, []float64{0.9, 0.8, 0.7}, false},                                                   // better than the median
		{median, 0.74, []float64{0.9, 0.8, 0.7, 0.6}, true},                                               // median (0.8+0.7)/2 = 0.75
		{median, 0.76, []float64{0.9, 0.8, 0.7, 0.6}, false},                                              // above 0.75
		{&plan.Prune{Rule: "median", MinTrials: 2, Monitor: "val_loss"}, 0.3, []float64{0.2, 0.25}, true}, // losses: lower is better
		{&plan.Prune{Rule: "median", MinTrials: 2, Monitor: "val_loss"}, 0.2, []float64{0.2, 0.25}, false},
		// asha, eta 3: of 6 trials at the rung, the best 2 go on.
		{&plan.Prune{Rule: "asha", MinTrials: 3, Monitor: "val_accuracy", Eta: 3}, 0.85, []float64{0.9, 0.8, 0.7, 0.6, 0.5}, false},
		{&plan.Prune{Rule: "asha", MinTrials: 3, Monitor: "val_accuracy", Eta: 3}, 0.75, []float64{0.9, 0.8, 0.7, 0.6, 0.5}, true},
		// asha with 4 at the rung keeps the single best.
		{&plan.Prune{Rule: "asha", MinTrials: 3, Monitor: "val_accuracy", Eta: 3}, 0.95, []float64{0.9, 0.8, 0.7}, false},
		{&plan.Prune{Rule: "asha", MinTrials: 3, Monitor: "val_accuracy", Eta: 3}, 0.85, []float64{0.9, 0.8, 0.7}, true},
	} {
		if got, why := Decide(tt.p, tt.own, tt.others, 2); got != tt.prune {
			t.Errorf("%s %v vs %v: prune %v (%s), want %v", tt.p.Rule, tt.own, tt.others, got, why, tt.prune)
		}
	}
}

func TestLock(t *testing.T) {
	root := t.TempDir()
	f, err := tryLock(root, 7)
	if err != nil || f == nil {
		t.Fatalf("first lock: %v %v", f, err)
	}
	if g, err := tryLock(root, 7); err != nil || g != nil {
		t.Fatalf("second lock taken while the first is held: %v %v", g, err)
	}
	if !HoldsLock(f.Fd(), root, 7) {
		t.Error("HoldsLock is false for the holder")
	}
	other, _ := os.Open(filepath.Join(checkpoint.TrialDir(root, 7), "lock"))
	if HoldsLock(other.Fd(), root, 7) {
		t.Error("HoldsLock is true for a file that does not hold the lock")
	}
	other.Close()
	f.Close() // what the kernel does when a process dies
	if g, err := tryLock(root, 7); err != nil || g == nil {
		t.Fatalf("lock not free after its holder closed it: %v", err)
	}
}

// TestPrefixLinesDrains: a line too long to scan ends the prefixed copy
// with a note, and the rest of the input is still read (a child writing it
// must not block).
func TestPrefixLinesDrains(t *testing.T) {
	in := "first\r\n\n" + strings.Repeat("x", 2<<20) + "\nlast\n"
	r := strings.NewReader(in)
	var out strings.Builder
	prefixLines(&out, r, "[3] ")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "[3] first" || !strings.HasPrefix(lines[1], "[3] (the rest of this output is dropped: ") {
		t.Errorf("output %q", out.String())
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left unread", r.Len())
	}
}

// TestPartialResume: a trial resumes from its partial checkpoint only when
// it was saved within the epoch after the last committed one; a stale one
// (its epoch committed since) or a damaged one is not used.
func TestPartialResume(t *testing.T) {
	tr := &trial{dir: t.TempDir()}
	if p := tr.partial(2); p != nil {
		t.Fatalf("without a partial checkpoint: %+v", p.progress)
	}
	ctx := mlctx.New()
	ctx.VariableWithValue("w", []float32{1, 2})
	w := checkpoint.NewPartialWriter(tr.dir)
	defer w.Close()
	prog, _ := json.Marshal(train.Progress{Epoch: 3, Step: 40, Seen: 1280})
	if err := w.Save(3, prog, ctx); err != nil {
		t.Fatal(err)
	}
	for last, use := range map[int]bool{1: false, 2: true, 3: false} {
		p := tr.partial(last)
		if (p != nil) != use || (use && (p.progress.Step != 40 || p.progress.Seen != 1280)) {
			t.Errorf("after epoch %d committed: partial %v, want used %v", last, p, use)
		}
	}
	file := filepath.Join(tr.dir, "partial")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 0xff
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if p := tr.partial(2); p != nil {
		t.Errorf("a damaged partial checkpoint was used: %+v", p.progress)
	}
}
