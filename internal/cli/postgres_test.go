package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// postgresTestDB creates a database of its own on the server named by
// EXP_TEST_POSTGRES (a role that may create databases), dropped when the
// test ends, and returns its URL. Without EXP_TEST_POSTGRES it skips the
// test, or fails it under CI.
func postgresTestDB(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("EXP_TEST_POSTGRES")
	if admin == "" {
		msg := "no PostgreSQL server to test on: set EXP_TEST_POSTGRES=postgres://USER@HOST:PORT/DB " +
			"(a role that may CREATE DATABASE; see .ci/run, which starts a throw-away server)"
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "exp_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("EXP_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("EXP_TEST_POSTGRES: not a URL")
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("dbname")
	u.RawQuery = q.Encode()
	return u.String()
}

// worker is an exp run process of the distributed sweep, its stdout read
// line by line.
type worker struct {
	cmd *exec.Cmd

	mu      sync.Mutex
	out     strings.Builder
	current int64 // the run of the trial it started last (0: none yet)
	done    chan struct{}
}

func startWorker(t *testing.T, args ...string) *worker {
	t.Helper()
	w := &worker{cmd: expCmd(args...), done: make(chan struct{})}
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = w.cmd.Stdout // the same pipe: one log per worker
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := regexp.MustCompile(`^trial \d+/\d+ \(run (\d+)\) (starting|resuming)`)
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.mu.Lock()
			w.out.WriteString(sc.Text() + "\n")
			if m := started.FindStringSubmatch(sc.Text()); m != nil {
				w.current, _ = strconv.ParseInt(m[1], 10, 64)
			}
			w.mu.Unlock()
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
		w.cmd.Wait()
	})
	return w
}

func (w *worker) log() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

func (w *worker) run() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.current
}

// wait waits for the worker to exit, at most until deadline, and returns
// its exit code.
func (w *worker) wait(t *testing.T, deadline time.Time) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(time.Until(deadline)):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
		w.cmd.Wait()
		t.Fatalf("worker %d did not finish in time; its output:\n%s", w.cmd.Process.Pid, w.log())
	}
	w.cmd.Wait()
	return w.cmd.ProcessState.ExitCode()
}

// The distributed sweep: 12 trials of a line fit, each a few seconds of
// epochs, so that a worker can be killed in the middle of one.
const (
	distTrials = 12
	distEpochs = 300
)

func distSweep() string {
	var lrs []string
	for i := 1; i <= distTrials; i++ {
		lrs = append(lrs, fmt.Sprintf("%.2f", 0.01*float64(i)))
	}
	return fmt.Sprintf(linearSweep, distEpochs, "["+strings.Join(lrs, ", ")+"]")
}

// TestPostgresWorkers is exp's distributed mode end to end: 4 exp run
// workers share one sweep of 12 trials through one PostgreSQL database and
// a shared checkpoints folder, with 3 s leases. One worker is killed with
// SIGKILL (its whole process group: the worker and its trial process) in
// the middle of a trial. The other three finish the sweep: every trial
// completed exactly once, every (trial, epoch) row exactly once, and the
// killed worker's trial taken over once its lease lapsed and resumed from
// its last committed epoch (attempts 2). exp table then prints the same
// table as the same sweep run into SQLite (ids and times aside).
func TestPostgresWorkers(t *testing.T) {
	dsn := postgresTestDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	file := writeFile(t, dir, "lines.yaml", distSweep())
	checkpoints := filepath.Join(dir, "shared-checkpoints")
	start := time.Now()
	deadline := start.Add(3 * time.Minute) // a guard against hangs only

	// One trial at a time per worker, and the same thread count everywhere,
	// so that metrics are bit-identical.
	args := []string{"run", file, "--db", dsn, "--checkpoints", checkpoints, "--lease", "3s", "--jobs", "1", "--threads", "1"}
	var workers []*worker
	for range 4 {
		workers = append(workers, startWorker(t, args...))
	}

	// Kill worker 1 once its first trial is some way in.
	store, err := resultdb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	victim := workers[0]
	var killedRun int64
	for killedRun == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("worker 1 never got a trial some way in; its output:\n%s", victim.log())
		}
		if id := victim.run(); id != 0 {
			if eps, err := store.Epochs(ctx, id); err == nil && len(eps) >= 20 {
				if err := syscall.Kill(-victim.cmd.Process.Pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killedRun = id
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	killedAt := time.Now()
	<-victim.done
	victim.cmd.Wait()
	killed, owner, err := store.Owned(ctx, killedRun)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := store.Epochs(ctx, killedRun)
	if err != nil {
		t.Fatal(err)
	}
	done := len(eps)
	if killed.Status != record.StatusRunning || owner.Token == "" || done == 0 || done >= distEpochs {
		t.Fatalf("after the kill, run %d is %s (owner %q) with %d of %d epochs; want running, mid-way",
			killedRun, killed.Status, owner.Token, done, distEpochs)
	}
	t.Logf("killed worker 1 in trial %d (run %d) after epoch %d, %s into the sweep",
		killed.Trial, killedRun, done, killedAt.Sub(start).Round(time.Millisecond))

	// Note when another worker takes the trial over (its lease lapses 2–3 s
	// after the kill: heartbeats renew it every second).
	var takenOver time.Duration
	for takenOver == 0 && time.Now().Before(deadline) {
		if r, err := store.Run(ctx, killedRun); err == nil && r.Attempts > 1 {
			takenOver = time.Since(killedAt)
			t.Logf("run %d taken over %s after the kill", killedRun, takenOver.Round(10*time.Millisecond))
		}
		select {
		case <-workers[1].done:
		case <-workers[2].done:
		case <-workers[3].done:
		case <-time.After(20 * time.Millisecond):
			continue
		}
		break // a worker exited
	}
	for i, w := range workers[1:] {
		if code := w.wait(t, deadline); code != ExitOK {
			t.Errorf("worker %d: exit %d; output:\n%s", i+2, code, w.log())
		}
	}
	took := time.Since(start)

	// Who resumed the killed trial, and from where: the epochs committed
	// before the kill (the server may still have been committing one when
	// they were counted: a client killed after sending COMMIT).
	resumedRe := regexp.MustCompile(fmt.Sprintf(`resuming run %d after epoch (\d+) `, killedRun))
	var resumers []string
	for i, w := range workers[1:] {
		for _, m := range resumedRe.FindAllStringSubmatch(w.log(), -1) {
			after, _ := strconv.Atoi(m[1])
			resumers = append(resumers, fmt.Sprintf("worker %d after epoch %d", i+2, after))
			if after < done || after > done+1 {
				t.Errorf("run %d resumed after epoch %d; %d were committed when it was killed", killedRun, after, done)
			}
		}
	}
	if len(resumers) != 1 {
		t.Errorf("run %d resumed by %v; want one worker", killedRun, resumers)
	} else {
		t.Logf("run %d (trial %d) resumed by %s", killedRun, killed.Trial, resumers[0])
	}

	sweeps, err := store.Sweeps(ctx)
	if err != nil || len(sweeps) != 1 {
		t.Fatalf("sweeps %v, %v: want the workers to share one", sweeps, err)
	}
	trials, err := store.Trials(ctx, sweeps[0].ID)
	if err != nil || len(trials) != distTrials {
		t.Fatalf("%d trials, %v; want %d", len(trials), err, distTrials)
	}
	all, err := store.AllEpochs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range trials {
		wantAttempts := 1
		if r.ID == killedRun {
			wantAttempts = 2
		}
		_, owner, err := store.Owned(ctx, r.ID)
		if err != nil || r.Status != record.StatusCompleted || r.Attempts != wantAttempts || owner.Token != "" || r.Error != "" {
			t.Errorf("trial %d (run %d): %s after %d attempts (want %d), owner %q (%v), error %q",
				r.Trial, r.ID, r.Status, r.Attempts, wantAttempts, owner.Token, err, r.Error)
		}
		es := all[r.ID]
		if len(es) != distEpochs {
			t.Errorf("trial %d: %d epoch rows, want %d", r.Trial, len(es), distEpochs)
		}
		for i, e := range es {
			if e.Epoch != i+1 {
				t.Errorf("trial %d: epoch %d at row %d: epochs are not 1…%d, each once", r.Trial, e.Epoch, i+1, distEpochs)
				break
			}
		}
	}
	t.Logf("the 3 remaining workers finished the sweep %s after it started, %s after the kill",
		took.Round(time.Millisecond), time.Since(killedAt).Round(time.Millisecond))

	// The same trials into SQLite, in one process, uninterrupted: exp table
	// prints the same table.
	sqlite := filepath.Join(dir, "runs.db")
	if code, out, errOut := run(t, nil, "run", file, "--db", sqlite, "--jobs", "4", "--threads", "1"); code != ExitOK {
		t.Fatalf("the SQLite sweep: exit %d\n%s\n%s", code, out, errOut)
	}
	table := func(db string) string {
		t.Helper()
		code, out, errOut := run(t, nil, "table", "--db", db, "--sweep", "lines", "--format", "csv")
		if code != ExitOK {
			t.Fatalf("exp table --db %s: exit %d: %s", db, code, errOut)
		}
		return withoutColumns(t, out, "id", "time")
	}
	pg, lite := table(dsn), table(sqlite)
	if pg != lite {
		t.Errorf("exp table differs (ids and times aside)\n--- PostgreSQL:\n%s\n--- SQLite:\n%s", pg, lite)
	}
	if n := strings.Count(pg, "\n"); n != distTrials+1 {
		t.Errorf("exp table printed %d lines, want a header and %d trials:\n%s", n, distTrials, pg)
	}
}

// withoutColumns drops the named columns from CSV text.
func withoutColumns(t *testing.T, text string, drop ...string) string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("not CSV (%v):\n%s", err, text)
	}
	var keep []int
	for i, h := range records[0] {
		if !slices.Contains(drop, h) {
			keep = append(keep, i)
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, rec := range records {
		var out []string
		for _, i := range keep {
			out = append(out, rec[i])
		}
		w.Write(out)
	}
	w.Flush()
	return b.String()
}
