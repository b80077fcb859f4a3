//go:build linux

package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
)

// BenchmarkAttack is the dashboard's figure under attack (a benchmark, not
// a test; run it with make load-attack): the database of BenchmarkLoad,
// served by exp serve's Serve in a child process (so that its memory is
// measured alone), 50 clients polling a sweep's JSON once a second with a
// writer committing epochs, while attackers send, in tight loops:
//
//   - the sweep's page with ever new valid ?sort= values, and the page of
//     a run with a 5 MB config with ?sort= values it ignores (cache keys:
//     memory);
//   - the sweep's JSON grouped by ever new sets of key paths, known and
//     unknown (computations: CPU);
//   - the sweep's JSON grouped by a 60 KB unknown key path.
//
// It reports the polling clients' latency percentiles and errors, the
// attackers' answers by status (and empty replies), and the server's
// resident memory before the attack and at its peak. The child is killed
// if its resident memory passes $EXP_ATTACK_MAX_MB (default 3000).
func BenchmarkAttack(b *testing.B) {
	const runs, epochs, running, clients = 1000, 100, 20, 50
	seconds := 30
	if s, err := strconv.Atoi(os.Getenv("EXP_LOAD_SECONDS")); err == nil && s > 0 {
		seconds = min(s, 600)
	}
	maxMB := 3000
	if s, err := strconv.Atoi(os.Getenv("EXP_ATTACK_MAX_MB")); err == nil && s > 0 {
		maxMB = s
	}
	for range b.N {
		path := filepath.Join(b.TempDir(), "load.db")
		w, sw, live := loadDB(b, path, runs, epochs, running)
		big := bigRun(b, w)
		child := startChild(b, path)
		base := child.url
		api := fmt.Sprintf("%s/api/sweeps/%d", base, sw.ID)
		warm := time.Now()
		if _, err := poll(api, new(string)); err != nil {
			b.Fatal(err)
		}
		page := fmt.Sprintf("%s/sweeps/%d", base, sw.ID)
		if _, err := poll(page, new(string)); err != nil {
			b.Fatal(err)
		}
		b.Logf("first answers (cold cache) in %v", time.Since(warm).Round(time.Millisecond))
		before := child.rss()

		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
		mem := child.watch(ctx, maxMB)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var lat []time.Duration
		var errs []string
		var full atomic.Int64
		cpu := child.cpu()
		wg.Add(clients)
		for i := range clients {
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(i) * time.Second / clients)
				etag := new(string)
				for tick := time.NewTicker(time.Second); ; {
					old := *etag
					d, err := poll(api, etag)
					if *etag != old {
						full.Add(1)
					}
					mu.Lock()
					lat = append(lat, d)
					if err != nil {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
					select {
					case <-ctx.Done():
						tick.Stop()
						return
					case <-tick.C:
					}
				}
			}()
		}
		att := &attackers{}
		att.start(ctx, &wg, base, sw.ID, big)
		commits, werrs := write(ctx, w, live, epochs/2+1, epochs)
		wg.Wait()
		cancel()
		peak, killed := mem()
		cpu = child.cpu() - cpu
		hwm := child.stop()
		b.Logf("the server used %.1f CPU-seconds during the attack; %d of the polling clients' answers were new versions (the rest 304)", cpu, full.Load())
		reportAttack(b, lat, errs, commits, werrs, att, before, max(peak, hwm), killed, seconds)
	}
}

// bigRun adds a sweep of one run whose config is 5 MB (a comment) and
// returns the run's id.
func bigRun(b *testing.B, w *resultdb.DB) int64 {
	ctx := context.Background()
	sw, _, err := w.OpenSweep(ctx, "big", "/work/big.yaml", "hb", "", false)
	if err != nil {
		b.Fatal(err)
	}
	cfg := "name: big\nmodel:\n  name: mlp\n# " + strings.Repeat("x", 5<<20) + "\n"
	all, _, err := w.PlanTrials(ctx, sw.ID, []*record.Run{{Name: "big", ModelName: "mlp", ConfigYAML: cfg, ConfigHash: "big",
		Backend: "cpu", Optimizer: "adam", LearningRate: 1e-3, BatchSize: 32, Epochs: 1}})
	if err != nil {
		b.Fatal(err)
	}
	return all[0].ID
}

// child is exp serve's Serve running in a child process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

// startChild runs TestServeChild over path in a child process and waits
// for its URL.
func startChild(b *testing.B, path string) *child {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.v")
	cmd.Env = append(os.Environ(), "EXP_SERVE_CHILD_DB="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin}
	b.Cleanup(func() { c.stop() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "exp serve: http://"); ok {
			c.url = "http://" + strings.TrimSuffix(strings.Fields(u)[0], "/")
			break
		}
	}
	if c.url == "" {
		b.Fatal("the child server printed no URL")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }() // the rest of its output
	return c
}

// status reads a field of the child's /proc/PID/status in MB.
func (c *child) status(field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb / 1024
		}
	}
	return 0
}

func (c *child) rss() int { return c.status("VmRSS") }

// cpu is the CPU time the child used so far, in seconds (user and system,
// from /proc/PID/stat, in clock ticks of 1/100 s).
func (c *child) cpu() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after the command's name
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// watch samples the child's resident memory every 100 ms until ctx is
// done, killing it above maxMB; the function it returns gives the peak
// and whether it was killed.
func (c *child) watch(ctx context.Context, maxMB int) func() (int, bool) {
	var peak atomic.Int64
	var killed atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for tick := time.NewTicker(100 * time.Millisecond); ; {
			r := c.rss()
			if int64(r) > peak.Load() {
				peak.Store(int64(r))
			}
			if r > maxMB && !killed.Load() {
				killed.Store(true)
				_ = c.cmd.Process.Kill() // the guard against a runaway server
			}
			select {
			case <-ctx.Done():
				tick.Stop()
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int, bool) {
		<-done
		return int(peak.Load()), killed.Load()
	}
}

// stop ends the child (closing its stdin stops it) and returns its peak
// resident memory (VmHWM) in MB.
func (c *child) stop() int {
	if c.cmd.ProcessState != nil {
		return 0
	}
	hwm := c.status("VmHWM")
	_ = c.stdin.Close() // the child stops on EOF
	done := make(chan struct{})
	go func() {
		_ = c.cmd.Wait() // its exit status is not the benchmark's concern
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill() // it did not stop: do not leave it running
		<-done
	}
	return hwm
}

// TestServeChild is the server of BenchmarkAttack: with $EXP_SERVE_CHILD_DB
// set it serves that database on 127.0.0.1 until its stdin ends; otherwise
// it is skipped.
func TestServeChild(t *testing.T) {
	path := os.Getenv("EXP_SERVE_CHILD_DB")
	if path == "" {
		t.Skip("BenchmarkAttack's server (needs $EXP_SERVE_CHILD_DB)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // ends when the parent closes it
		stop()
	}()
	ro, err := resultdb.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := Serve(ctx, ro, "127.0.0.1:0", Options{}, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// attackers send the attack's requests and count their answers.
type attackers struct {
	mu       sync.Mutex
	byStatus map[string]int // "200", "400", "503", "empty reply", …
	maxBody  map[string]int // the largest body by kind of attack
	slowest  map[string]time.Duration
}

// start runs the attackers until ctx is done: 10 sorting the sweep's
// page, 5 sorting a run's page, 15 grouping the sweep's JSON and 2 with a
// 60 KB key path.
func (a *attackers) start(ctx context.Context, wg *sync.WaitGroup, base string, sweep, run int64) {
	a.byStatus, a.maxBody, a.slowest = map[string]int{}, map[string]int{}, map[string]time.Duration{}
	var n atomic.Int64
	cols := []string{"id", "name", "model", "train.learning_rate", "train.seed", "best", "epochs", "status"}
	paths := []string{"train.learning_rate", "train.seed", "train.batch_size", "model.name", "name", "status", "variant"}
	huge := "train." + strings.Repeat("x", 60000)
	kinds := []struct {
		name    string
		workers int
		url     func(k int64) string
	}{
		{"sort sweep page", 10, func(k int64) string {
			return fmt.Sprintf("%s/sweeps/%d?sort=%s", base, sweep, subset(cols, k, true))
		}},
		{"sort run page", 5, func(k int64) string { return fmt.Sprintf("%s/runs/%d?sort=%d", base, run, k) }},
		{"group-by", 15, func(k int64) string {
			if k%3 == 0 {
				return fmt.Sprintf("%s/api/sweeps/%d?group-by=model.layers[%d].units", base, sweep, k)
			}
			return fmt.Sprintf("%s/api/sweeps/%d?group-by=%s", base, sweep, subset(paths, k, false))
		}},
		{"60 KB group-by", 2, func(int64) string { return fmt.Sprintf("%s/api/sweeps/%d?group-by=%s", base, sweep, huge) }},
	}
	client := &http.Client{Timeout: 120 * time.Second}
	for _, kind := range kinds {
		for range kind.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					a.send(client, kind.name, kind.url(n.Add(1)))
				}
			}()
		}
	}
}

// subset is the k-th combination of names (by the bits of k), comma-
// separated; with signs, every other name is descending.
func subset(names []string, k int64, signs bool) string {
	var parts []string
	for i, n := range names {
		if k>>i&1 == 1 {
			if signs && (k>>(i+len(names)))&1 == 1 {
				n = "-" + n
			}
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return names[0]
	}
	return strings.Join(parts, ",")
}

// send gets url once and counts its answer.
func (a *attackers) send(client *http.Client, kind, url string) {
	start := time.Now()
	res, err := client.Get(url)
	status, size := "", 0
	switch {
	case err != nil && strings.Contains(err.Error(), "EOF"):
		status = "empty reply"
	case err != nil:
		status = "error: " + err.Error()
	default:
		n, rerr := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		size = int(n)
		status = strconv.Itoa(res.StatusCode)
		if rerr != nil {
			status = "cut short"
		}
	}
	d := time.Since(start)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byStatus[kind+" "+status]++
	a.maxBody[kind] = max(a.maxBody[kind], size)
	a.slowest[kind] = max(a.slowest[kind], d)
}

// reportAttack logs and reports the run's figures.
func reportAttack(b *testing.B, lat []time.Duration, errs []string, commits int, werrs []string, a *attackers,
	before, peak int, killed bool, seconds int) {
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	b.Logf("%d s under attack: %d answers to 50 polling clients, p50 %v, p99 %v, max %v; %d client errors; writer: %d epochs, %d errors",
		seconds, len(lat), pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond),
		len(errs), commits, len(werrs))
	b.Logf("server resident memory: %d MB before the attack, %d MB at its peak%s", before, peak,
		map[bool]string{true: " (killed: over the limit)", false: ""}[killed])
	var kinds []string
	for k, n := range a.maxBody {
		var counts []string
		for s, c := range a.byStatus {
			if st, ok := strings.CutPrefix(s, k+" "); ok {
				counts = append(counts, fmt.Sprintf("%d %s", c, st))
			}
		}
		slices.Sort(counts)
		kinds = append(kinds, fmt.Sprintf("%s: %s (largest %d bytes, slowest %v)", k, strings.Join(counts, ", "), n, a.slowest[k].Round(time.Millisecond)))
	}
	slices.Sort(kinds)
	b.Logf("attack answers: %s", strings.Join(kinds, "; "))
	for _, e := range append(errs, werrs...)[:min(5, len(errs)+len(werrs))] {
		b.Log("error: ", e)
	}
	b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(peak), "peak-RSS-MB")
	b.ReportMetric(float64(len(errs)+len(werrs)), "errors")
}
