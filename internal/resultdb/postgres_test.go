package resultdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// The tests of what only PostgreSQL does: connections and URLs, concurrent
// openers on one server, the server's clock, row locks. The behaviour both
// stores share is tested on both (see backends_test.go).

func TestRedactDSN(t *testing.T) {
	for _, tt := range []struct{ dsn, want, password string }{
		{"postgres://exp:s3cret@db.example:5432/runs?sslmode=disable", "postgres://exp@db.example:5432/runs?sslmode=disable", "s3cret"},
		{"postgresql://exp@db/runs", "postgresql://exp@db/runs", ""},
		{"postgres://db/runs?user=exp&password=s3cret&sslmode=require", "postgres://db/runs?sslmode=require&user=exp", "s3cret"},
		{"postgres://exp:p%40ss@db/runs", "postgres://exp@db/runs", "p@ss"},
		// Not a valid URL (a bare % in the password): still no password.
		{"postgres://exp:50%off@db/runs?x=1", "postgres://exp@db/runs", "50%off"},
	} {
		if got := redactDSN(tt.dsn); got != tt.want {
			t.Errorf("redactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
		if got := dsnPassword(tt.dsn); got != tt.password {
			t.Errorf("dsnPassword(%q) = %q, want %q", tt.dsn, got, tt.password)
		}
	}
}

// TestOpenPostgresErrors: an error names the server and the database, and
// never shows the password.
func TestOpenPostgresErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name, dsn string
		want      []string
	}{
		{"no server", "postgres://exp:hunter2@127.0.0.1:1/runs?connect_timeout=5",
			[]string{"results: open postgres://exp@127.0.0.1:1/runs?connect_timeout=5: cannot connect to database \"runs\" on 127.0.0.1:1: "}},
		{"bad URL", "postgres://exp:hunter2@127.0.0.1:notaport/runs", []string{"results: open postgres://exp@127.0.0.1:notaport/runs: "}},
	}
	secret := "hunter2"
	if admin := os.Getenv(envTestPostgres); admin != "" {
		// A database that does not exist, on the test server.
		tests = append(tests, struct {
			name, dsn string
			want      []string
		}{"no database", withDatabase(t, admin, "exp_no_such_db"), []string{`database "exp_no_such_db"`, "does not exist"}})
		if p := dsnPassword(admin); p != "" {
			secret = p
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, ":"+secret+"@") {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}

// TestPostgresPath: Path is the URL without its password.
func TestPostgresPath(t *testing.T) {
	db := postgresDB(t)
	t.Parallel()
	dsn := db.dsn
	if !strings.Contains(dsn, "@") {
		t.Skip("the test server's URL has no user to add a password to")
	}
	// Trust authentication ignores a password; password authentication
	// needs the real one, already in the URL.
	if dsnPassword(dsn) == "" {
		dsn = strings.Replace(dsn, "@", ":not-needed@", 1)
	}
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Skipf("the server wants another password: %v", err)
	}
	defer s.Close()
	if p := s.Path(); p != redactDSN(dsn) || strings.Contains(p, ":"+dsnPassword(dsn)+"@") {
		t.Errorf("Path() = %q, want the URL without its password", p)
	}
}

// TestPostgresConcurrentOpen has several stores open one new database at
// once, in several rounds: the advisory lock has each migration applied once.
func TestPostgresConcurrentOpen(t *testing.T) {
	t.Parallel()
	const rounds, openers = 4, 8
	ctx := context.Background()
	files, _ := migrationNames(pgDialect.migrations)
	for round := range rounds {
		db := postgresDB(t)
		errs := make([]error, openers)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				s, err := Open(ctx, db.dsn)
				if err != nil {
					errs[i] = err
					return
				}
				errs[i] = s.createRun(ctx, &record.Run{Name: "r"})
				if err := s.Close(); errs[i] == nil {
					errs[i] = err
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
		s := db.open(t)
		applied := rawStrings(t, s, "", `SELECT name FROM migrations ORDER BY name`)
		if len(applied) != len(files) {
			t.Errorf("round %d: migrations %v, want each of %d once", round, applied, len(files))
		}
		if runs, err := s.Runs(ctx); err != nil || len(runs) != openers {
			t.Errorf("round %d: %d runs, %v; want %d", round, len(runs), err, openers)
		}
	}
}

// TestPostgresFencing: a worker stalls past its lease while another takes
// the trial over; from then on, however hard the stalled worker (four
// goroutines on a store of its own, like another machine) keeps writing its
// epochs, heartbeats and outcome, none gets through: each is refused with
// ErrLeaseLost, and the new owner's epochs and outcome are the only ones.
func TestPostgresFencing(t *testing.T) {
	db := postgresDB(t)
	t.Parallel()
	ctx := context.Background()
	s, zombie := db.open(t), db.open(t)
	f := func(v float64) *float64 { return &v }
	sw, _, _ := s.OpenSweep(ctx, "sweep", "/f", "h", "", false)
	all, _, err := s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1)})
	if err != nil {
		t.Fatal(err)
	}
	id, ids := all[0].ID, []int64{all[0].ID}

	r, err := zombie.ClaimTrial(ctx, ids, Claim{Owner: "w1", Lease: time.Second})
	if err != nil || r == nil {
		t.Fatalf("claim: %v %v", r, err)
	}
	for n := 1; n <= 2; n++ {
		if err := zombie.AddTrialEpoch(ctx, "w1", &record.Epoch{RunID: id, Epoch: n, Loss: f(1)}); err != nil {
			t.Fatal(err)
		}
	}
	// w1 stalls (a long GC pause, a network partition) past its lease.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var lapsed bool
		if err := rawRow(s, "", `SELECT lease_expires_at < now() FROM runs WHERE id = $1`, id).Scan(&lapsed); err != nil {
			t.Fatal(err)
		}
		if lapsed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease did not run out")
		}
	}

	// From now on w1 writes as fast as it can.
	var (
		stop       = make(chan struct{})
		wg         sync.WaitGroup
		tries      atomic.Int64
		mu         sync.Mutex
		unexpected []string
	)
	for g := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch n % 3 {
				case 0:
					err = zombie.AddTrialEpoch(ctx, "w1", &record.Epoch{RunID: id, Epoch: 3 + (n/3+g)%3, Loss: f(1)})
				case 1:
					err = zombie.Heartbeat(ctx, id, "w1", time.Minute)
				case 2:
					err = zombie.FinishTrial(ctx, id, "w1", Outcome{Status: record.StatusFailed, Error: "written by the stalled worker"})
				}
				tries.Add(1)
				if !errors.Is(err, ErrLeaseLost) {
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("goroutine %d, call %d: %v", g, n, err))
					mu.Unlock()
				}
			}
		})
	}

	// w2 takes the trial over (retrying: a stalled write may hold the
	// row's lock at that instant, and claims skip locked rows), resumes
	// after the epochs it finds and finishes it.
	var w2 *record.Run
	for deadline := time.Now().Add(30 * time.Second); w2 == nil; {
		if w2, err = s.ClaimTrial(ctx, ids, Claim{Owner: "w2", Lease: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the lapsed trial could not be claimed")
		}
	}
	eps, err := s.Epochs(ctx, id)
	if err != nil || len(eps) != 2 {
		t.Fatalf("w2 found %d epochs, %v; want w1's 2", len(eps), err)
	}
	for n := 3; n <= 5; n++ {
		time.Sleep(20 * time.Millisecond) // let the stalled worker try meanwhile
		if err := s.AddTrialEpoch(ctx, "w2", &record.Epoch{RunID: id, Epoch: n, Loss: f(2)}); err != nil {
			t.Fatalf("w2's epoch %d: %v", n, err)
		}
		if err := s.Heartbeat(ctx, id, "w2", time.Minute); err != nil {
			t.Fatalf("w2's heartbeat: %v", err)
		}
	}
	if err := s.FinishTrial(ctx, id, "w2", Outcome{Status: record.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the stalled worker tries on a finished trial too
	close(stop)
	wg.Wait()

	if len(unexpected) > 0 {
		t.Errorf("%d of the stalled worker's %d writes were not refused with ErrLeaseLost, e.g. %s", len(unexpected), tries.Load(), unexpected[0])
	}
	if tries.Load() < 12 {
		t.Errorf("the stalled worker tried only %d writes", tries.Load())
	}
	got, owner, err := s.Owned(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != record.StatusCompleted || got.Attempts != 2 || owner.Token != "" || got.Error != "" || owner.LeaseExpiresAt != nil {
		t.Errorf("final run: %s, %d attempts, owner %q, error %q, lease %v", got.Status, got.Attempts, owner.Token, got.Error, owner.LeaseExpiresAt)
	}
	eps, _ = s.Epochs(ctx, id)
	var losses []float64
	for i, e := range eps {
		if e.Epoch != i+1 {
			t.Errorf("epoch rows out of order: %d at %d", e.Epoch, i)
		}
		losses = append(losses, *e.Loss)
	}
	if fmt.Sprint(losses) != "[1 1 2 2 2]" {
		t.Errorf("epoch losses %v, want w1's two then w2's three: [1 1 2 2 2]", losses)
	}
	t.Logf("the stalled worker's %d writes were all refused", tries.Load())
}

// TestPostgresClaimSkipsLocked: a claim passes over a trial whose row
// another transaction holds (being claimed or written) without waiting.
func TestPostgresClaimSkipsLocked(t *testing.T) {
	db := postgresDB(t)
	t.Parallel()
	ctx := context.Background()
	s := db.open(t)
	sw, _, _ := s.OpenSweep(ctx, "sweep", "/f", "h", "", false)
	all, _, _ := s.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1), trialRun("b", 0.2)})
	ids := []int64{all[0].ID, all[1].ID}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // a no-op after the explicit rollback below
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM runs WHERE id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	// The timeout only turns a hang into a failure.
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, c := range []Claim{{Owner: "w", Lease: time.Minute}, {Owner: "w", Lock: func(*record.Run) bool { return true }}} {
		if r, err := s.ClaimTrial(tctx, ids[:1], c); err != nil || r != nil {
			t.Errorf("claiming the locked trial alone (lock %v): %v, %v; want none", c.Lock != nil, r, err)
		}
	}
	r, err := s.ClaimTrial(tctx, ids, Claim{Owner: "w", Lease: time.Minute})
	if err != nil || r == nil || r.ID != ids[1] {
		t.Fatalf("claim: %v, %v; want the unlocked trial %d", r, err, ids[1])
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if r, err := s.ClaimTrial(tctx, ids, Claim{Owner: "w", Lease: time.Minute}); err != nil || r == nil || r.ID != ids[0] {
		t.Errorf("claim after the lock went: %v, %v; want trial %d", r, err, ids[0])
	}
}

// TestPostgresServerClock: leases follow the server's clock, whatever the
// workers' clocks say, while the times exp records follow the store's clock.
func TestPostgresServerClock(t *testing.T) {
	db := postgresDB(t)
	t.Parallel()
	ctx := context.Background()
	slow := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	fast := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	past := db.open(t, WithClock(func() time.Time { return slow }))
	future := db.open(t, WithClock(func() time.Time { return fast }))
	sw, _, _ := past.OpenSweep(ctx, "sweep", "/f", "h", "", false)
	all, _, _ := past.PlanTrials(ctx, sw.ID, []*record.Run{trialRun("a", 0.1)})
	ids := []int64{all[0].ID}

	before := serverNow(t, past)
	r, err := past.ClaimTrial(ctx, ids, Claim{Owner: "slow", Lease: time.Minute})
	after := serverNow(t, past)
	if err != nil || r == nil {
		t.Fatalf("claim: %v %v", r, err)
	}
	if _, o, err := past.Owned(ctx, r.ID); err != nil || o.LeaseExpiresAt.Before(before.Add(time.Minute)) || o.LeaseExpiresAt.After(after.Add(time.Minute)) {
		t.Errorf("lease until %v (%v), want the server's clock plus a minute (%v)", o.LeaseExpiresAt, err, before.Add(time.Minute))
	}
	if !r.StartedAt.Equal(slow) {
		t.Errorf("started_at %v, want the store's clock %v", r.StartedAt, slow)
	}
	// By its own clock the worker of 2100 sees a lease that ran out a
	// century ago; the server says it is live.
	if again, err := future.ClaimTrial(ctx, ids, Claim{Owner: "fast", Lease: time.Minute}); err != nil || again != nil {
		t.Errorf("a worker with a fast clock took over a live lease: %v, %v", again, err)
	}
	// By its clock the worker of 2000 holds a lease for a century to come;
	// its writes are judged by the server too, and go through while live.
	e := &record.Epoch{RunID: r.ID, Epoch: 1, Loss: ptr(1)}
	if err := past.AddTrialEpoch(ctx, "slow", e); err != nil {
		t.Fatal(err)
	}
	if !e.FinishedAt.Equal(slow) {
		t.Errorf("epoch finished_at %v, want the store's clock %v", e.FinishedAt, slow)
	}
	if err := past.Heartbeat(ctx, r.ID, "slow", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := past.FinishTrial(ctx, r.ID, "slow", Outcome{Status: record.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	got, owner, _ := future.Owned(ctx, r.ID)
	if got.FinishedAt == nil || !got.FinishedAt.Equal(slow) || owner.LeaseExpiresAt != nil {
		t.Errorf("finished run: finished_at %v, lease %v", got.FinishedAt, owner.LeaseExpiresAt)
	}
}

// TestPostgresReadOnly: an up-to-date database opens in a read-only session
// (a read-only role, a replica: exp table, exp status), since opening it
// only reads the migrations table; one that needs migrating does not.
func TestPostgresReadOnly(t *testing.T) {
	db := postgresDB(t)
	t.Parallel()
	ctx := context.Background()
	readOnly := func(dsn string) string {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "default_transaction_read_only=on"
	}
	if s, err := Open(ctx, readOnly(db.dsn)); err == nil {
		s.Close()
		t.Fatal("a read-only session migrated a new database")
	} else if !strings.Contains(err.Error(), "read-only") {
		t.Errorf("error %q does not say the session is read-only", err)
	}
	rw := db.open(t)
	if err := rw.createRun(ctx, &record.Run{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(ctx, readOnly(db.dsn))
	if err != nil {
		t.Fatalf("read-only open of an up-to-date database: %v", err)
	}
	defer ro.Close()
	if sums, err := ro.Summaries(ctx); err != nil || len(sums) != 1 {
		t.Errorf("Summaries: %d, %v", len(sums), err)
	}
	if err := ro.createRun(ctx, &record.Run{Name: "w"}); err == nil {
		t.Error("a read-only session wrote")
	}
}
