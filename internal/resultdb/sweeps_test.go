package resultdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

func trialRun(hash string, lr float64) *record.Run {
	return &record.Run{Name: "sweep", ModelName: "mlp", ConfigYAML: "x: 1", ConfigHash: hash, Backend: "go",
		Optimizer: "adam", LearningRate: lr, BatchSize: 32, Epochs: 2, Variant: "mlp",
		Params: map[string]any{"train.learning_rate": lr}}
}

func TestPlanTrials(t *testing.T) {
	eachBackend(t, testPlanTrials)
}

func testPlanTrials(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)
	sw, created, err := s.OpenSweep(ctx, "sweep", "/x/sweep.yaml", "h1", "", false)
	if err != nil || !created {
		t.Fatal(sw, created, err)
	}
	again, created, err := s.OpenSweep(ctx, "sweep", "/x/sweep.yaml", "h2", `{"rule":"median"}`, false)
	if err != nil || created || again.ID != sw.ID || again.SpecHash != "h2" || again.Prune == "" {
		t.Fatalf("reopening: %+v created=%v %v", again, created, err)
	}
	all, added, err := s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1), trialRun("b", 0.2)})
	if err != nil || len(all) != 2 || len(added) != 2 || all[0].Trial != 1 || all[1].Trial != 2 || all[0].Status != record.StatusPending {
		t.Fatalf("first plan: %v %v %v", all, added, err)
	}
	if all[0].Params["train.learning_rate"] != 0.1 || all[0].Variant != "mlp" {
		t.Errorf("params read back as %v, variant %q", all[0].Params, all[0].Variant)
	}
	// The file gained a value: only the new trial is added, numbered after the others.
	all, added, err = s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1), trialRun("c", 0.3), trialRun("b", 0.2)})
	if err != nil || len(all) != 3 || len(added) != 1 || added[0].Trial != 3 || all[1].ConfigHash != "c" {
		t.Fatalf("second plan: %v %v %v", all, added, err)
	}
	fresh, created, err := s.OpenSweep(ctx, "sweep", "/x/sweep.yaml", "h2", "", true)
	if err != nil || !created || fresh.ID == sw.ID {
		t.Fatalf("--new: %+v %v %v", fresh, created, err)
	}
	if _, added, _ := s.PlanTrials(ctx, fresh.ID, []*record.Run{trialRun("a", 0.1)}); len(added) != 1 || added[0].Trial != 1 {
		t.Errorf("a fresh sweep holds the same config as a new trial 1: %v", added)
	}
}

// TestClaimOnce has 4 stores on one database race to claim 12 trials: each
// is claimed exactly once, whether claims are decided by liveness locks (one
// machine) or by leases (many).
func TestClaimOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *testDB) {
		t.Run("lock", func(t *testing.T) { testClaimOnce(t, db, false) })
		t.Run("lease", func(t *testing.T) { testClaimOnce(t, db, true) })
	})
}

func testClaimOnce(t *testing.T, db *testDB, leases bool) {
	ctx := context.Background()
	s0, err := Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s0.Close()
	sw, _, _ := s0.OpenSweep(ctx, "sweep", "/f", "h", "", true) // a sweep of its own for each mode
	var plan []*record.Run
	for i := range 12 {
		plan = append(plan, trialRun(fmt.Sprint(i), float64(i+1)))
	}
	all, _, err := s0.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range all {
		ids = append(ids, r.ID)
	}
	var mu sync.Mutex
	claims := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, db.dsn)
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			for {
				// A trial marked running belongs to a live worker here.
				c := Claim{Owner: fmt.Sprint("w", w), Lock: func(r *record.Run) bool { return r.Status != record.StatusRunning }}
				if leases {
					c = Claim{Owner: fmt.Sprint("w", w), Lease: time.Minute}
				}
				r, err := s.ClaimTrial(ctx, ids, c)
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if r == nil {
					return
				}
				mu.Lock()
				claims[r.ID]++
				mu.Unlock()
				if err := s.FinishTrial(ctx, r.ID, fmt.Sprint("w", w), Outcome{Status: record.StatusCompleted}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if len(claims) != 12 {
		t.Errorf("%d trials claimed, want 12", len(claims))
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("run %d claimed %d times", id, n)
		}
	}
	trials, _ := s0.Trials(ctx, sw.ID)
	for _, r := range trials {
		if r.Status != record.StatusCompleted || r.Attempts != 1 {
			t.Errorf("trial %d: %s after %d attempts", r.Trial, r.Status, r.Attempts)
		}
	}
}

func TestClaimResumesAndMetricAt(t *testing.T) {
	eachBackend(t, testClaimResumesAndMetricAt)
}

func testClaimResumesAndMetricAt(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)
	sw, _, _ := s.OpenSweep(ctx, "sweep", "/f", "h", "", false)
	all, _, _ := s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1), trialRun("b", 0.2)})
	ids := []int64{all[0].ID, all[1].ID}
	lockFree := Claim{Owner: "a", Lock: func(*record.Run) bool { return true }}
	r, _ := s.ClaimTrial(ctx, ids, lockFree)
	f := func(v float64) *float64 { return &v }
	s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 1, ValAccuracy: f(0.5)})
	// Its worker died (status still running, lock free): the next claim takes it again.
	again, _ := s.ClaimTrial(ctx, ids, lockFree)
	if again.ID != r.ID || again.Attempts != 2 || !again.StartedAt.Equal(r.StartedAt) {
		t.Errorf("re-claim: %+v", again)
	}
	other, _ := s.ClaimTrial(ctx, ids[1:], lockFree)
	s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: other.ID, Epoch: 1, ValAccuracy: f(0.7), Loss: f(1)})
	m, err := s.MetricAt(ctx, sw.ID, 1, "val_accuracy")
	if err != nil || len(m) != 2 || m[r.ID] != 0.5 || m[other.ID] != 0.7 {
		t.Errorf("MetricAt = %v, %v", m, err)
	}
	if m, _ := s.MetricAt(ctx, sw.ID, 1, "loss"); len(m) != 1 {
		t.Errorf("MetricAt(loss) = %v: NULLs are left out", m)
	}
	if _, err := s.MetricAt(ctx, sw.ID, 1, "accuracy; DROP TABLE runs"); err == nil {
		t.Error("MetricAt took an unknown metric")
	}
	s.FinishTrial(ctx, other.ID, "", Outcome{Status: record.StatusPruned, StopReason: "pruned at epoch 1"})
	got, _ := s.Run(ctx, other.ID)
	if got.Status != record.StatusPruned || got.StopReason != "pruned at epoch 1" || got.FinishedAt == nil {
		t.Errorf("finished trial %+v", got)
	}
	if r, _ := s.ClaimTrial(ctx, ids[1:], lockFree); r != nil {
		t.Error("claimed a pruned trial")
	}
}

// TestLeases: a claim with a lease fences out a worker whose lease ran out
// and whose trial another worker claimed: its epochs and outcome are refused.
// SQLite judges leases by the store's clock, here a fake one moved by hand;
// PostgreSQL by the server's clock, so there the test waits for real, with a
// short lease and margins of 40% of it.
func TestLeases(t *testing.T) {
	eachBackend(t, testLeases)
}

func testLeases(t *testing.T, db *testDB) {
	ctx := context.Background()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := db.open(t, WithClock(func() time.Time { return clock }))
	// lease is the claims' lease; steps[i] is how long to wait (or move the
	// clock) before the heartbeat, before the claim the renewed lease
	// refuses, and before the take-over; leaseClock reads the clock leases
	// are judged by.
	lease, steps := time.Minute, [3]time.Duration{40 * time.Second, 50 * time.Second, time.Minute}
	advance := func(d time.Duration) { clock = clock.Add(d) }
	leaseClock := func() time.Time { return clock }
	if db.postgres() {
		lease, steps = 2*time.Second, [3]time.Duration{1200 * time.Millisecond, 1200 * time.Millisecond, 2 * time.Second}
		advance = time.Sleep
		leaseClock = func() time.Time { return serverNow(t, s) }
	}
	sw, _, _ := s.OpenSweep(ctx, "sweep", "/f", "h", "", false)
	all, _, _ := s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1)})
	ids := []int64{all[0].ID}
	f := func(v float64) *float64 { return &v }
	before := leaseClock()
	r, err := s.ClaimTrial(ctx, ids, Claim{Owner: "w1", Lease: lease})
	after := leaseClock()
	if err != nil || r == nil {
		t.Fatalf("claim: %+v %v", r, err)
	}
	if _, o, err := s.Owned(ctx, r.ID); err != nil || o.Token != "w1" || o.LeaseExpiresAt.Before(before.Add(lease)) || o.LeaseExpiresAt.After(after.Add(lease)) {
		t.Fatalf("claim: %+v %v; want w1's with a lease until %v", o, err, before.Add(lease))
	}
	if again, _ := s.ClaimTrial(ctx, ids, Claim{Owner: "w2", Lease: lease}); again != nil {
		t.Fatal("a trial with a live lease was claimed again")
	}
	if err := s.AddTrialEpoch(ctx, "w1", &record.Epoch{RunID: r.ID, Epoch: 1, Loss: f(1)}); err != nil {
		t.Fatal(err)
	}
	advance(steps[0])
	if err := s.Heartbeat(ctx, r.ID, "w1", lease); err != nil {
		t.Fatal(err)
	}
	advance(steps[1]) // within the renewed lease
	if again, _ := s.ClaimTrial(ctx, ids, Claim{Owner: "w2", Lease: lease}); again != nil {
		t.Fatal("a renewed lease was taken over")
	}
	advance(steps[2]) // w1 stalls past its lease
	w2, err := s.ClaimTrial(ctx, ids, Claim{Owner: "w2", Lease: lease})
	if err != nil || w2 == nil || w2.Attempts != 2 {
		t.Fatalf("take-over: %+v %v", w2, err)
	}
	for name, err := range map[string]error{
		"epoch":     s.AddTrialEpoch(ctx, "w1", &record.Epoch{RunID: r.ID, Epoch: 2, Loss: f(0.5)}),
		"heartbeat": s.Heartbeat(ctx, r.ID, "w1", lease),
		"finish":    s.FinishTrial(ctx, r.ID, "w1", Outcome{Status: record.StatusCompleted}),
	} {
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s by the old owner: %v, want ErrLeaseLost", name, err)
		}
	}
	if err := s.AddTrialEpoch(ctx, "w2", &record.Epoch{RunID: r.ID, Epoch: 2, Loss: f(0.4)}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishTrial(ctx, r.ID, "w2", Outcome{Status: record.StatusCompleted, Summary: map[string]float64{"w": 1}}); err != nil {
		t.Fatal(err)
	}
	got, owner, _ := s.Owned(ctx, r.ID)
	eps, _ := s.Epochs(ctx, r.ID)
	if got.Status != record.StatusCompleted || owner.Token != "" || got.Summary["w"] != 1 || len(eps) != 2 || *eps[1].Loss != 0.4 {
		t.Errorf("final run %+v owned by %+v, epochs %d", got, owner, len(eps))
	}
}

// serverNow reads the PostgreSQL server's clock, as leases store it.
func serverNow(t *testing.T, s *DB) time.Time {
	t.Helper()
	var now time.Time
	if err := rawRow(s, "", `SELECT date_trunc('milliseconds', clock_timestamp())`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	return now.UTC()
}

// TestPlanTrialsData checks that a trial's preprocessing and data hash
// (migration 004) are stored and read back, and stay empty when not given.
func TestPlanTrialsData(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		s := db.open(t)
		sw, _, err := s.OpenSweep(ctx, "csv", "/x/csv.yaml", "h", "", false)
		if err != nil {
			t.Fatal(err)
		}
		withData := trialRun("a", 0.1)
		pre := `{"version":1,"task":"classification","classes":["setosa","versicolor"],"features":[{"name":"x","mean":1.5}]}`
		withData.Preprocessing, withData.DataHash = pre, "sha256:abc"
		all, _, err := s.PlanTrials(ctx, sw.ID, []*record.Run{withData, trialRun("b", 0.2)})
		if err != nil || len(all) != 2 {
			t.Fatal(all, err)
		}
		got, err := s.Run(ctx, all[0].ID)
		if err != nil || got.Preprocessing != pre || got.DataHash != "sha256:abc" {
			t.Fatalf("read back %q %q, %v", got.Preprocessing, got.DataHash, err)
		}
		if all[1].Preprocessing != "" || all[1].DataHash != "" {
			t.Errorf("a run without data files reads back %q %q", all[1].Preprocessing, all[1].DataHash)
		}
	})
}
