package resultdb

import (
	"context"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

func TestSummaries(t *testing.T) {
	eachBackend(t, testSummaries)
}

func testSummaries(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)

	// m is one epoch's metrics: loss, val_loss, val_accuracy (nil = NULL), seconds.
	type m struct {
		loss, valLoss, valAcc *float64
		seconds               float64
	}
	// The runs are created in this order, so their ids are 1, 2, ….
	tests := []struct {
		name   string
		epochs []m
		want   RunSummary // Run is checked by id
	}{
		{
			name: "ties keep the earliest epoch",
			epochs: []m{
				{ptr(1.5), ptr(0.9), ptr(0.5), 1},
				{ptr(0.5), ptr(0.3), ptr(0.9), 1.25},
				{ptr(0.25), ptr(0.2), ptr(0.9), 0.5},
				{ptr(0.125), ptr(0.4), ptr(0.8), 2},
			},
			want: RunSummary{BestValAccuracy: ptr(0.9), BestEpoch: 2, FinalValAccuracy: ptr(0.8), BestValLoss: ptr(0.2), EpochsDone: 4, Seconds: 4.75},
		},
		{
			name:   "no epochs",
			epochs: nil,
			want:   RunSummary{},
		},
		{
			name: "regression with validation: best is the lowest val_loss",
			epochs: []m{
				{ptr(4), ptr(3), nil, 1},
				{ptr(3), ptr(1), nil, 1},
				{ptr(1), ptr(1), nil, 1},
				{ptr(0.5), ptr(2), nil, 1},
			},
			want: RunSummary{BestEpoch: 2, BestValLoss: ptr(1), EpochsDone: 4, Seconds: 4},
		},
		{
			name: "highest accuracy of all",
			epochs: []m{
				{ptr(1), ptr(1), ptr(0.95), 3},
				{ptr(1), ptr(1), ptr(0.94), 3},
			},
			want: RunSummary{BestValAccuracy: ptr(0.95), BestEpoch: 1, FinalValAccuracy: ptr(0.94), BestValLoss: ptr(1), EpochsDone: 2, Seconds: 6},
		},
		{
			name: "regression without validation: best is the lowest loss",
			epochs: []m{
				{ptr(5), nil, nil, 0.5},
				{ptr(2), nil, nil, 0.5},
				{ptr(2), nil, nil, 0.5},
				{ptr(4), nil, nil, 0.5},
			},
			want: RunSummary{BestEpoch: 2, EpochsDone: 4, Seconds: 2},
		},
		{
			name: "same best accuracy as run 1, later id",
			epochs: []m{
				{nil, nil, ptr(0.9), 1},
			},
			want: RunSummary{BestValAccuracy: ptr(0.9), BestEpoch: 1, FinalValAccuracy: ptr(0.9), EpochsDone: 1, Seconds: 1},
		},
		{
			name: "last epoch without val_accuracy (diverged)",
			epochs: []m{
				{ptr(0.5), ptr(0.5), ptr(0.7), 1},
				{nil, nil, nil, 1},
			},
			want: RunSummary{BestValAccuracy: ptr(0.7), BestEpoch: 1, BestValLoss: ptr(0.5), EpochsDone: 2, Seconds: 2},
		},
		{
			name: "accuracy beats a lower val_loss elsewhere",
			epochs: []m{
				{ptr(1), ptr(0.1), ptr(0.6), 1},
				{ptr(1), ptr(0.5), ptr(0.8), 1},
			},
			want: RunSummary{BestValAccuracy: ptr(0.8), BestEpoch: 2, FinalValAccuracy: ptr(0.8), BestValLoss: ptr(0.1), EpochsDone: 2, Seconds: 2},
		},
		{
			name:   "no metrics at all",
			epochs: []m{{nil, nil, nil, 1}},
			want:   RunSummary{EpochsDone: 1, Seconds: 1},
		},
	}
	// Best val_accuracy first (ties by id), runs without one last by id.
	wantOrder := []int64{4, 1, 6, 8, 7, 2, 3, 5, 9}

	for i, tt := range tests {
		r := &record.Run{Name: tt.name}
		if err := s.createRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID != int64(i+1) {
			t.Fatalf("run %q got id %d, want %d", tt.name, r.ID, i+1)
		}
		for j, e := range tt.epochs {
			err := s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: r.ID, Epoch: j + 1, Loss: e.loss, ValLoss: e.valLoss, ValAccuracy: e.valAcc, Seconds: e.seconds})
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	sums, err := s.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(tests) {
		t.Fatalf("Summaries gave %d, want %d", len(sums), len(tests))
	}
	for i, sum := range sums {
		if sum.Run.ID != wantOrder[i] {
			t.Errorf("Summaries()[%d] is run %d (%q), want run %d", i, sum.Run.ID, sum.Run.Name, wantOrder[i])
		}
	}
	for _, sum := range sums {
		tt := tests[sum.Run.ID-1]
		t.Run(tt.name, func(t *testing.T) {
			w := tt.want
			if sum.Run.Name != tt.name {
				t.Errorf("Run.Name %q", sum.Run.Name)
			}
			if !eqPtr(sum.BestValAccuracy, w.BestValAccuracy) {
				t.Errorf("BestValAccuracy %v, want %v", deref(sum.BestValAccuracy), deref(w.BestValAccuracy))
			}
			if sum.BestEpoch != w.BestEpoch {
				t.Errorf("BestEpoch %d, want %d", sum.BestEpoch, w.BestEpoch)
			}
			if !eqPtr(sum.FinalValAccuracy, w.FinalValAccuracy) {
				t.Errorf("FinalValAccuracy %v, want %v", deref(sum.FinalValAccuracy), deref(w.FinalValAccuracy))
			}
			if !eqPtr(sum.BestValLoss, w.BestValLoss) {
				t.Errorf("BestValLoss %v, want %v", deref(sum.BestValLoss), deref(w.BestValLoss))
			}
			if sum.EpochsDone != w.EpochsDone {
				t.Errorf("EpochsDone %d, want %d", sum.EpochsDone, w.EpochsDone)
			}
			if sum.Seconds != w.Seconds {
				t.Errorf("Seconds %v, want %v", sum.Seconds, w.Seconds)
			}
		})
	}
}

func TestSummariesEmpty(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *testDB) {
		s := db.open(t)
		sums, err := s.Summaries(context.Background())
		if err != nil || len(sums) != 0 {
			t.Errorf("Summaries of an empty store = %d, %v; want none", len(sums), err)
		}
	})
}
