package resultdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// The helper process: tests re-execute the test binary with
// EXP_RESULTS_HELPER set to a mode, and the child runs only
// TestHelperProcess, which talks to the parent by lines on stdin and stdout.
const (
	envHelper = "EXP_RESULTS_HELPER" // step, loop or writer
	envDB     = "EXP_RESULTS_DB"
	envRun    = "EXP_RESULTS_RUN"
	envCount  = "EXP_RESULTS_COUNT" // for writer: epochs to add
)

// helperEpoch is the epoch the helpers add: its values follow from its
// number, so the parent can check them.
func helperEpoch(runID int64, n int) *record.Epoch {
	return &record.Epoch{RunID: runID, Epoch: n, Loss: ptr(1 / float64(n)), ValAccuracy: ptr(float64(n) / 1e6),
		Seconds: float64(n), MsPerStep: 0.5, ExamplesPerSecond: 1000}
}

func checkHelperEpoch(t *testing.T, e *record.Epoch, runID int64, n int) {
	t.Helper()
	want := helperEpoch(runID, n)
	want.FinishedAt = e.FinishedAt
	for _, d := range diffEpoch(e, want) {
		t.Errorf("run %d epoch %d: %s", runID, n, d)
	}
}

// TestHelperProcess is not a test: it is the child process of the tests
// below.
//
//   - step: for each line "add" on stdin, adds the next epoch and prints
//     "committed N"; on "hold", begins a transaction, inserts the next
//     epoch, prints "holding N" and waits to be killed.
//   - loop: adds epochs 1, 2, … printing "committed N" after each, until
//     killed.
//   - writer: opens the store, prints "ready", waits for "go", adds
//     EXP_RESULTS_COUNT epochs and prints "done".
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		return
	}
	if err := helper(mode); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helper(mode string) error {
	ctx := context.Background()
	runID, err := strconv.ParseInt(os.Getenv(envRun), 10, 64)
	if err != nil {
		return err
	}
	s, err := Open(ctx, os.Getenv(envDB))
	if err != nil {
		return err
	}
	defer s.Close()
	in := bufio.NewScanner(os.Stdin)
	switch mode {
	case "step":
		for n := 1; in.Scan(); n++ {
			switch in.Text() {
			case "add":
				if err := s.AddTrialEpoch(ctx, "", helperEpoch(runID, n)); err != nil {
					return err
				}
				fmt.Printf("committed %d\n", n)
			case "hold":
				tx, err := s.db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, ms_per_step, examples_per_second, finished_at) VALUES (?, ?, 1, NULL, NULL, NULL, 1, 1, 1, '2026-01-01T00:00:00.000Z')`, runID, n); err != nil {
					return err
				}
				fmt.Printf("holding %d\n", n)
				time.Sleep(time.Hour)
			default:
				return fmt.Errorf("unknown command %q", in.Text())
			}
		}
		return in.Err()
	case "loop":
		for n := 1; ; n++ {
			if err := s.AddTrialEpoch(ctx, "", helperEpoch(runID, n)); err != nil {
				return err
			}
			fmt.Printf("committed %d\n", n)
		}
	case "writer":
		count, err := strconv.Atoi(os.Getenv(envCount))
		if err != nil {
			return err
		}
		fmt.Println("ready")
		if !in.Scan() || in.Text() != "go" {
			return fmt.Errorf("want go, got %q (%v)", in.Text(), in.Err())
		}
		for n := 1; n <= count; n++ {
			if err := s.AddTrialEpoch(ctx, "", helperEpoch(runID, n)); err != nil {
				return err
			}
		}
		fmt.Println("done")
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// child is a running helper process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	lines []string // every line read from its stdout
}

func startChild(t *testing.T, mode, dbPath string, runID int64, count int) *child {
	t.Helper()
	// The timeout only guards against a hung child; no test depends on it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envHelper+"="+mode, envDB+"="+dbPath,
		envRun+"="+strconv.FormatInt(runID, 10), envCount+"="+strconv.Itoa(count))
	cmd.Stderr = &prefixWriter{t: t, prefix: mode + " child: "}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return &child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
}

// send writes one line to the child's stdin.
func (c *child) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("write to child: %v", err)
	}
}

// expect reads the child's next line and fails unless it is want.
func (c *child) expect(t *testing.T, want string) {
	t.Helper()
	if !c.out.Scan() {
		t.Fatalf("child ended (%v) before printing %q", c.out.Err(), want)
	}
	c.lines = append(c.lines, c.out.Text())
	if got := c.out.Text(); got != want {
		t.Fatalf("child printed %q, want %q", got, want)
	}
}

// kill sends SIGKILL, reads what is left of its stdout and reaps it.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for c.out.Scan() {
		c.lines = append(c.lines, c.out.Text())
	}
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
}

// prefixWriter logs a child's stderr.
type prefixWriter struct {
	t      *testing.T
	prefix string
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newRun opens a fresh database file and creates n runs in it.
func newRun(t *testing.T, n int) (dbPath string, ids []int64) {
	t.Helper()
	ctx := context.Background()
	dbPath = filepath.Join(t.TempDir(), "results.db")
	s, err := Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		r := &record.Run{Name: fmt.Sprintf("run%d", i), ModelName: "mlp", Epochs: 1000}
		if err := s.createRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return dbPath, ids
}

// checkIntegrity runs PRAGMA integrity_check.
func checkIntegrity(t *testing.T, s *DB) {
	t.Helper()
	var res string
	if err := s.db.QueryRowContext(context.Background(), `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", res, err)
	}
}

func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()

	// A child commits epochs 1..5, one per request, then is killed while
	// it holds a transaction with epoch 6: exactly 1..5 survive.
	t.Run("kill inside a transaction", func(t *testing.T) {
		const committed = 5
		dbPath, ids := newRun(t, 1)
		c := startChild(t, "step", dbPath, ids[0], 0)
		for n := 1; n <= committed; n++ {
			c.send(t, "add")
			c.expect(t, fmt.Sprintf("committed %d", n))
		}
		c.send(t, "hold")
		c.expect(t, fmt.Sprintf("holding %d", committed+1))
		c.kill(t)

		s, err := Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkIntegrity(t, s)
		epochs, err := s.Epochs(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(epochs) != committed {
			t.Fatalf("%d epochs after the kill, want the %d committed", len(epochs), committed)
		}
		for i, e := range epochs {
			checkHelperEpoch(t, e, ids[0], i+1)
		}
		// The dead writer's lock and its half-done epoch are gone.
		if err := s.AddTrialEpoch(ctx, "", helperEpoch(ids[0], committed+1)); err != nil {
			t.Fatalf("adding the epoch the killed child held: %v", err)
		}
	})

	// A child adds epochs as fast as it can and is killed at an arbitrary
	// moment: every epoch it reported is there, and at most one more (one
	// committed just before the kill whose line was not written yet).
	t.Run("kill while writing", func(t *testing.T) {
		const seen = 20
		dbPath, ids := newRun(t, 1)
		c := startChild(t, "loop", dbPath, ids[0], 0)
		for n := 1; n <= seen; n++ {
			c.expect(t, fmt.Sprintf("committed %d", n))
		}
		c.kill(t)
		reported := len(c.lines)
		if last := c.lines[reported-1]; last != fmt.Sprintf("committed %d", reported) {
			t.Fatalf("child's last line %q, want %q", last, fmt.Sprintf("committed %d", reported))
		}

		s, err := Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkIntegrity(t, s)
		epochs, err := s.Epochs(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(epochs) != reported && len(epochs) != reported+1 {
			t.Fatalf("%d epochs after the kill, want the %d reported (or one more)", len(epochs), reported)
		}
		for i, e := range epochs {
			checkHelperEpoch(t, e, ids[0], i+1)
		}
		t.Logf("child reported %d epochs, %d found", reported, len(epochs))
	})
}

// TestConcurrentStores has writers, each with its own Store on one file, add
// epochs to their own runs at once. Every writer's Store opens the fresh
// file concurrently too, racing to apply the migrations.
func TestConcurrentStores(t *testing.T) {
	const writers, perWriter = 4, 200
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "results.db")

	stores := make([]*DB, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dbPath) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}

	ids := make([]int64, writers)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() {
			<-start
			r := &record.Run{Name: fmt.Sprintf("w%d", i), ModelName: "mlp", Epochs: perWriter}
			if errs[i] = s.createRun(ctx, r); errs[i] != nil {
				return
			}
			ids[i] = r.ID
			for n := 1; n <= perWriter; n++ {
				if errs[i] = s.AddTrialEpoch(ctx, "", helperEpoch(r.ID, n)); errs[i] != nil {
					return
				}
			}
			errs[i] = s.finishRun(ctx, r.ID, record.StatusCompleted, "")
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	checkAllEpochs(t, stores[0], ids, perWriter)

	var migrations int
	if err := stores[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations`).Scan(&migrations); err != nil {
		t.Fatal(err)
	}
	if files, _ := migrationNames(sqliteDialect.migrations); migrations != len(files) {
		t.Errorf("migrations table has %d rows after concurrent opens, want %d", migrations, len(files))
	}
}

// TestConcurrentProcesses has two child processes and two goroutines add
// epochs to one file at once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const perWriter = 200
	ctx := context.Background()
	dbPath, ids := newRun(t, 4)

	children := []*child{
		startChild(t, "writer", dbPath, ids[0], perWriter),
		startChild(t, "writer", dbPath, ids[1], perWriter),
	}
	for _, c := range children {
		c.expect(t, "ready")
	}
	stores := make([]*DB, 2)
	for i := range stores {
		s, err := Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}

	for _, c := range children {
		c.send(t, "go")
	}
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for n := 1; n <= perWriter; n++ {
				if errs[i] = s.AddTrialEpoch(ctx, "", helperEpoch(ids[2+i], n)); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	for _, c := range children {
		c.expect(t, "done")
		c.stdin.Close()
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	checkAllEpochs(t, stores[0], ids, perWriter)
	checkIntegrity(t, stores[0])
}

// checkAllEpochs checks that each run has exactly epochs 1..n as the
// helpers write them.
func checkAllEpochs(t *testing.T, s *DB, ids []int64, n int) {
	t.Helper()
	for _, id := range ids {
		epochs, err := s.Epochs(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(epochs) != n {
			t.Errorf("run %d has %d epochs, want %d", id, len(epochs), n)
			continue
		}
		for i, e := range epochs {
			checkHelperEpoch(t, e, id, i+1)
		}
	}
}

// TestConcurrentOpen has several Stores open one new file at once, many
// times: the driver's PRAGMA journal_mode=WAL on connecting then fails now
// and then with SQLITE_BUSY without waiting, which Open must absorb.
func TestConcurrentOpen(t *testing.T) {
	const rounds, openers = 50, 4
	ctx := context.Background()
	for round := 0; round < rounds; round++ {
		dbPath := filepath.Join(t.TempDir(), "results.db")
		errs := make([]error, openers)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				s, err := Open(ctx, dbPath)
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
	}
}
