package report

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// TestSweepStatusRegression: a sweep without accuracies is ranked by
// val_loss (lowest best), and its throughput and ETA count its epochs.
func TestSweepStatusRegression(t *testing.T) {
	ctx := context.Background()
	s, err := resultdb.Open(ctx, filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sw, _, err := s.OpenSweep(ctx, "lines", "/work/lines.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var plan []*record.Run
	for i := range 2 {
		plan = append(plan, &record.Run{Name: "lines", ModelName: "linear", ConfigYAML: "x", ConfigHash: fmt.Sprint(i),
			Backend: "go", Optimizer: "sgd", LearningRate: 0.1, BatchSize: 32, Epochs: 3})
	}
	all, _, err := s.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	for i, losses := range [][]float64{{0.5, 0.3}, {0.4, 0.2, 0.25}} {
		r, err := s.ClaimTrial(ctx, []int64{all[i].ID}, resultdb.Claim{Owner: "t"})
		if err != nil || r == nil {
			t.Fatalf("claim: %v %v", r, err)
		}
		for e, l := range losses {
			if err := s.AddTrialEpoch(ctx, "t", &record.Epoch{RunID: r.ID, Epoch: e + 1, Loss: f(1), ValLoss: f(l), Seconds: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st, err := SweepStatus(ctx, s, sw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.Metric != "val_loss" || st.Best == nil || st.Best.Run.ID != all[1].ID || *st.Best.Best != 0.2 || st.Best.BestEpoch != 2 {
		t.Fatalf("metric %s, best %+v", st.Metric, st.Best)
	}
	if st.Done != 5 || st.Left != 1 {
		t.Errorf("done %d, left %d; want 5 and 1", st.Done, st.Left)
	}
	var out strings.Builder
	if err := st.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"): val_loss 0.2000 at epoch 2\n", "val_loss by epoch: ", "best val_loss", "0.3000 (2)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
