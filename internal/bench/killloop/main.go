// Command killloop measures what kill -9 costs a sweep. Each round runs
// the sweep uninterrupted, then again into a fresh database, killing exp
// run's whole process group (exp run and its trial processes) with SIGKILL
// at seeded random moments and starting it again each time until the sweep
// completes, then uninterrupted once more (the machine's speed drifts). It
// prints the killed run's wall time over the uninterrupted runs' mean, and
// checks that the killed sweep recorded the same statuses and metrics, bit
// for bit, as the uninterrupted one.
//
// The moments are -kills points drawn uniformly (PCG seeded by -seed plus
// the round) over the first uninterrupted run's wall time T, sorted:
// attempt i runs for the gap between points i-1 and i before it is
// killed, so the killed attempts add up to less than T, and whatever each
// kill throws away (training since the last checkpoint, the start of the
// processes) shows as time beyond T. The time spent waiting for killed
// processes to die is not counted.
//
// With -start it instead times a 1-step trial: exp run of onestep.yaml
// with its trial process, a fresh database each time, the median of -runs
// after one warm-up run.
//
//	go build -o bin/exp ./cmd/exp
//	go run ./internal/bench/killloop -exe bin/exp -rounds 5
//	go run ./internal/bench/killloop -exe bin/exp -start
//
// make bench-restart runs both.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/exp-runner/exp/results"
)

//go:embed sweep.yaml
var sweepConfig []byte

//go:embed onestep.yaml
var oneStepConfig []byte

func main() {
	exe := flag.String("exe", "bin/exp", "the exp binary")
	config := flag.String("config", "", "the sweep's config file (default: the embedded 8-trial × 3-epoch MLP sweep)")
	jobs := flag.Int("jobs", 2, "exp run --jobs")
	kills := flag.Int("kills", 8, "kills per round")
	seed := flag.Uint64("seed", 1, "seeds the kill moments (round r uses seed+r)")
	rounds := flag.Int("rounds", 1, "rounds, each an uninterrupted run and a killed one")
	work := flag.String("work", "", "working folder (default: a new temporary one, removed after)")
	start := flag.Bool("start", false, "time a 1-step trial instead")
	runs := flag.Int("runs", 5, "with -start: timed runs after the warm-up")
	flag.Parse()
	if err := run(*exe, *config, *work, *jobs, *kills, *seed, *rounds, *start, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "killloop:", err)
		os.Exit(1)
	}
}

func run(exe, config, work string, jobs, kills int, seed uint64, rounds int, start bool, runs int) error {
	exe, err := filepath.Abs(exe)
	if err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "killloop-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	b := &bench{exe: exe, work: work, jobs: jobs}
	if start {
		return b.oneStep(runs)
	}
	if b.config, err = writeConfig(work, config, "sweep.yaml", sweepConfig); err != nil {
		return err
	}
	fmt.Printf("sweep %s, --jobs %d, %d kills per round; exe %s\n", b.config, jobs, kills, exe)
	if _, err := b.uninterrupted("warmup"); err != nil { // fills the data cache and the page cache
		return err
	}
	var ratios []float64
	for r := range rounds {
		ratio, err := b.round(r, kills, seed+uint64(r))
		if err != nil {
			return err
		}
		ratios = append(ratios, ratio)
	}
	slices.Sort(ratios)
	fmt.Printf("killed/uninterrupted over %d round(s): median %.2f×, min %.2f×, max %.2f×\n", len(ratios), ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	return nil
}

// writeConfig copies the config file named by path, or writes the
// embedded one, into work as name, and returns its path.
func writeConfig(work, path, name string, embedded []byte) (string, error) {
	b := embedded
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return "", err
		}
	}
	out := filepath.Join(work, name)
	return out, os.WriteFile(out, b, 0o644)
}

type bench struct {
	exe, work, config string
	jobs              int
}

// db returns a fresh database path in the working folder.
func (b *bench) db(name string) string {
	p := filepath.Join(b.work, name+".db")
	for _, q := range []string{p, p + "-wal", p + "-shm", strings.TrimSuffix(p, ".db") + "-checkpoints"} {
		_ = os.RemoveAll(q) // a leftover of an earlier round, if any
	}
	return p
}

// command returns exp run of the config into db, in a process group of
// its own, its output in the working folder's log.
func (b *bench) command(db string) (*exec.Cmd, error) {
	log, err := os.OpenFile(filepath.Join(b.work, "exp.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.exe, "run", b.config, "--db", db, "--jobs", fmt.Sprint(b.jobs))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// uninterrupted runs the sweep into a fresh database and returns its wall
// time.
func (b *bench) uninterrupted(name string) (time.Duration, error) {
	cmd, err := b.command(b.db(name))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("uninterrupted run: %w (see %s)", err, filepath.Join(b.work, "exp.log"))
	}
	return time.Since(start), nil
}

// round times an uninterrupted run, the killed one, and an uninterrupted
// one again (the machine's speed drifts), prints them and returns the
// ratio of the killed run's time to the uninterrupted runs' mean.
func (b *bench) round(r, kills int, seed uint64) (float64, error) {
	before, err := b.uninterrupted(fmt.Sprintf("plain-%d", r))
	if err != nil {
		return 0, err
	}
	gaps := moments(kills, seed, before)
	db := b.db(fmt.Sprintf("killed-%d", r))
	var total time.Duration
	var line strings.Builder
	fmt.Fprintf(&line, "round %d: kills after", r+1)
	for _, gap := range gaps {
		took, done, err := b.attempt(db, gap)
		if err != nil {
			return 0, err
		}
		total += took
		fmt.Fprintf(&line, " %.2fs", gap.Seconds())
		if done {
			line.WriteString(" (the sweep completed before this kill)")
			break
		}
	}
	took, _, err := b.attempt(db, 0)
	if err != nil {
		return 0, err
	}
	total += took
	after, err := b.uninterrupted(fmt.Sprintf("plain-%d-after", r))
	if err != nil {
		return 0, err
	}
	base := (before + after) / 2
	ratio := total.Seconds() / base.Seconds()
	fmt.Printf("%s; killed %.2fs, uninterrupted %.2fs and %.2fs: %.2f×\n", line.String(), total.Seconds(), before.Seconds(), after.Seconds(), ratio)
	if err := sameMetrics(filepath.Join(b.work, fmt.Sprintf("plain-%d.db", r)), db); err != nil {
		return 0, err
	}
	return ratio, nil
}

// moments returns the gaps between n sorted points drawn uniformly over
// [0, span) by PCG(seed).
func moments(n int, seed uint64, span time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	points := make([]float64, n)
	for i := range points {
		points[i] = rng.Float64()
	}
	slices.Sort(points)
	gaps := make([]time.Duration, n)
	prev := 0.0
	for i, p := range points {
		gaps[i] = time.Duration((p - prev) * float64(span))
		prev = p
	}
	return gaps
}

// attempt runs the sweep into db and, if after > 0, kills its process
// group after that long. It returns the attempt's wall time and whether
// exp run ended by itself (the sweep is complete).
func (b *bench) attempt(db string, after time.Duration) (time.Duration, bool, error) {
	cmd, err := b.command(db)
	if err != nil {
		return 0, false, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, false, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var timeout <-chan time.Time
	if after > 0 {
		timeout = time.After(after)
	}
	select {
	case err := <-exited:
		if err != nil {
			return 0, false, fmt.Errorf("exp run: %w (see %s)", err, filepath.Join(b.work, "exp.log"))
		}
		return time.Since(start), true, nil
	case <-timeout:
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return 0, false, err
	}
	<-exited // killed: its error says so
	took := time.Since(start)
	// The trial processes were killed with it: wait until they have died
	// (their locks are released then), which the next attempt needs.
	for deadline := time.Now().Add(5 * time.Second); groupAlive(cmd.Process.Pid) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return took, false, nil
}

// groupAlive reports whether a process of group pgid is alive: exists and
// is not a zombie (a killed trial process whose new parent has not reaped
// it yet has released its files). Without /proc, any process counts.
func groupAlive(pgid int) bool {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it has just gone
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) && fields[0] != "Z" {
			return true
		}
	}
	return false
}

// sameMetrics checks that the two databases hold the same trials with the
// same metrics at every epoch, bit for bit (timings aside).
func sameMetrics(plain, killed string) error {
	a, err := metrics(plain)
	if err != nil {
		return err
	}
	b, err := metrics(killed)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("%d trials uninterrupted, %d killed", len(a), len(b))
	}
	var diffs []string
	for i := range a {
		if a[i] != b[i] {
			diffs = append(diffs, fmt.Sprintf("uninterrupted %s\n    killed    %s", a[i], b[i]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the killed sweep's metrics differ:\n  %s", strings.Join(diffs, "\n  "))
	}
	fmt.Printf("  the killed sweep's %d trials: status and every epoch's metrics identical to the uninterrupted ones\n", len(a))
	return nil
}

// metrics returns, per trial in order, its status and each epoch's metrics
// printed exactly.
func metrics(db string) ([]string, error) {
	ctx := context.Background()
	r, err := results.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	runs, err := r.Runs(ctx, results.Filter{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, run := range runs {
		eps, err := r.Epochs(ctx, run.ID)
		if err != nil {
			return nil, err
		}
		var s strings.Builder
		fmt.Fprintf(&s, "trial %d %s:", run.Trial, run.Status)
		for _, e := range eps {
			fmt.Fprintf(&s, " [%d %v %v %v %v]", e.Epoch, val(e.Loss), val(e.Accuracy), val(e.ValLoss), val(e.ValAccuracy))
		}
		out = append(out, s.String())
	}
	return out, nil
}

func val(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

// oneStep times the 1-step trial: a warm-up run, then the median of runs,
// each into a fresh database.
func (b *bench) oneStep(runs int) error {
	config, err := writeConfig(b.work, "", "onestep.yaml", oneStepConfig)
	if err != nil {
		return err
	}
	var times []time.Duration
	for i := range runs + 1 {
		db := b.db("onestep")
		cmd := exec.Command(b.exe, "run", config, "--db", db)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return fmt.Errorf("exp run %s: %w", config, err)
			}
			return err
		}
		if i > 0 {
			times = append(times, time.Since(start))
		}
	}
	slices.Sort(times)
	fmt.Printf("1-step trial (exp run with its trial process, fresh --db): median %.0f ms of %d runs after a warm-up (min %.0f, max %.0f)\n",
		ms(times[len(times)/2]), len(times), ms(times[0]), ms(times[len(times)-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
