package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// csvRun trains a tiny CSV classifier into dir/runs.db (run 1) and returns
// the database.
func csvRun(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x1,x2,label\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%d,%c\n", i%7, i%5, 'a'+i%2)
	}
	writeFile(t, dir, "rows.csv", b.String())
	cfg := writeFile(t, dir, "rows.yaml", `
data: {dataset: csv, path: rows.csv, target: label, validation_split: 0.25}
model: {layers: [{type: dense, units: 4, activation: relu}, {type: dense, units: 2, activation: softmax}]}
train: {epochs: 1, batch_size: 8}
`)
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", cfg, "--db", db)
	return db
}

// runChild runs exp (this test binary as exp) and returns its exit code,
// its standard error and its peak resident memory in bytes.
func runChild(t *testing.T, cmd *exec.Cmd) (int, string, int64) {
	t.Helper()
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	peak := int64(0)
	if ru != nil {
		peak = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return cmd.ProcessState.ExitCode(), errOut.String(), peak
}

// peakBound is far below what reading without limits took (the issue saw
// 24 GB), and above what a 64 MiB line costs to refuse.
const peakBound = 600 << 20

// TestUnboundedInput: exp predict RUN /dev/zero, and an endless line
// through a FIFO, stop at the line limit with the file and line named, in
// bounded memory (the predict of /dev/zero grew to 24 GB).
func TestUnboundedInput(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	db := csvRun(t, dir)
	code, errOut, peak := runChild(t, expCmd("predict", "1", "/dev/zero", "--db", db))
	t.Logf("/dev/zero: peak resident memory %d MB", peak>>20)
	if code != ExitUsage || !strings.Contains(errOut, "/dev/zero:1: the line is longer than 64 MiB: this is not CSV data") || peak > peakBound {
		t.Errorf("/dev/zero: exit %d, peak %d MB, stderr %q", code, peak>>20, errOut)
	}

	fifo := filepath.Join(dir, "in.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	go func() { // writes 200 MB of one line, until the reader stops reading
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		w.WriteString("x1,x2\n1,")
		chunk := bytes.Repeat([]byte{'7'}, 1<<20)
		for range 200 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	code, errOut, peak = runChild(t, expCmd("predict", "1", fifo, "--db", db))
	t.Logf("FIFO: peak resident memory %d MB", peak>>20)
	if code != ExitUsage || !strings.Contains(errOut, fifo+":2: the line is longer than 64 MiB") || peak > peakBound {
		t.Errorf("FIFO: exit %d, peak %d MB, stderr %q", code, peak>>20, errOut)
	}

	code, errOut, _ = runChild(t, expCmd("run", "/dev/zero", "--db", db))
	if code != ExitUsage || !strings.Contains(errOut, "/dev/zero: the file holds more than 10 MB, the most a config file may hold") {
		t.Errorf("run /dev/zero: exit %d, stderr %q", code, errOut)
	}
}

// TestSignalDuringRead: SIGINT or SIGTERM while exp predict waits on a
// slow FIFO ends it with 130 or 143, and no output file is written (the
// issue saw signals take effect only after the input ended).
func TestSignalDuringRead(t *testing.T) {
	dir := t.TempDir()
	db := csvRun(t, dir)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "slow.csv")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			out := filepath.Join(t.TempDir(), "pred.csv")
			cmd := expCmd("predict", "1", fifo, "--db", db, "-o", out)
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Opening the FIFO for writing returns once exp has opened it to
			// read; then it gets a header and a row, and nothing more.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.WriteString("x1,x2,label\n1,2,")
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute): // a hang, not a measurement
				cmd.Process.Kill()
				<-done
				t.Fatalf("exp predict did not stop after %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 128+int(sig) {
				t.Errorf("exit %d, want %d; stderr %q", code, 128+int(sig), errOut.String())
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
				t.Errorf("files written: %v", entries)
			}
		})
	}
}

// TestServeSignal: exp serve stops on SIGTERM (and SIGINT) after draining,
// with exit status 0.
func TestServeSignal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", writeFile(t, dir, "tiny.yaml", tinyRun), "--db", db)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := expCmd("serve", "--db", db, "--addr", "127.0.0.1:0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("no URL printed: %v", err)
		}
		url := strings.Fields(strings.TrimPrefix(line, "exp serve: "))[0]
		if res, err := (&http.Client{Timeout: 30 * time.Second}).Get(url + "api/sweeps"); err != nil {
			t.Error(err)
		} else {
			res.Body.Close()
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != ExitOK {
			t.Errorf("%v: exit %d, want 0", sig, code)
		}
	}
}

// TestTerminated: SIGTERM to exp run stops training after the current
// step, as Ctrl-C does: the run is recorded as interrupted with its
// finished epochs, and the exit status is 143.
func TestTerminated(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	cmd := expCmd("run", "../../configs/linear.yaml", "--db", db, "--epochs", "100000", "--set", "train.batch_size=32")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for countEpochs(db) < 1 {
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("no epoch was recorded in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Fatalf("exit %d, want 143\n%s", code, errOut.String())
	}
	r, _ := openStore(t, db).Run(context.Background(), 1)
	if r.Status != record.StatusInterrupted || !strings.Contains(errOut.String(), "interrupted: run the same command again to resume") {
		t.Errorf("run %s; stderr %q", r.Status, errOut.String())
	}
}
