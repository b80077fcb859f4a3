package resultdb

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// TestPredictionColumns round-trips what migration 006 adds: each epoch's
// val_f1_macro, the run's confusion matrix committed with its epoch, and
// evaluations, on both databases.
func TestPredictionColumns(t *testing.T) {
	eachBackend(t, testPredictionColumns)
}

func testPredictionColumns(t *testing.T, db *testDB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	s := db.open(t, WithClock(func() time.Time { return now }))
	r := &record.Run{Name: "cls", ModelName: "mlp"}
	if err := s.createRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Confusion(ctx, r.ID); err != nil || c != "" {
		t.Fatalf("confusion of a new run: %q, %v; want none", c, err)
	}
	const cm = `{"epoch":1,"matrix":[[3,1],[0,4]]}`
	if err := s.AddTrialEpochConfusion(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 1, Loss: ptr(0.5), ValF1Macro: ptr(0.875)}, cm); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 2, Loss: ptr(0.4)}); err != nil {
		t.Fatal(err)
	}
	eps, err := s.Epochs(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if eps[0].ValF1Macro == nil || *eps[0].ValF1Macro != 0.875 || eps[1].ValF1Macro != nil {
		t.Errorf("val_f1_macro read back %v, %v; want 0.875 and NULL", eps[0].ValF1Macro, eps[1].ValF1Macro)
	}
	if c, err := s.Confusion(ctx, r.ID); err != nil || c != cm {
		t.Errorf("confusion %q, %v; want %q", c, err, cm)
	}
	err = s.AddTrialEpochConfusion(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 2, Loss: ptr(0.4)}, `{"epoch":2,"matrix":[]}`)
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a duplicate epoch with a matrix: %v, want ErrDuplicate", err)
	}
	if c, _ := s.Confusion(ctx, r.ID); c != cm {
		t.Errorf("a refused epoch changed the confusion matrix to %q", c)
	}
	ev := &record.Evaluation{RunID: r.ID, Data: "path=test.csv", DataHash: "abc", Loss: ptr(0.3), Accuracy: ptr(0.9)}
	if err := s.AddEvaluation(ctx, ev); err != nil {
		t.Fatal(err)
	}
	reg := &record.Evaluation{RunID: r.ID, Data: "validation set", DataHash: "def", Loss: ptr(0.01), MSE: ptr(0.01), MAE: ptr(0.08), RMSE: ptr(0.1), R2: ptr(0.97)}
	if err := s.AddEvaluation(ctx, reg); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Evaluations(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].ID != ev.ID || evs[0].Data != "path=test.csv" || *evs[0].Accuracy != 0.9 || evs[0].MSE != nil ||
		*evs[1].R2 != 0.97 || evs[1].Accuracy != nil || !evs[1].CreatedAt.Equal(now) {
		t.Errorf("evaluations read back %+v, %+v", evs[0], evs[1])
	}
	if err := s.AddEvaluation(ctx, &record.Evaluation{RunID: r.ID + 100, Data: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("evaluation of a missing run: %v, want ErrNotFound", err)
	}
}
