package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/record"
)

// huge is a model whose memory no test machine has: a dense layer of 10¹¹
// units (400 GB of weights alone).
const huge = `
data: {dataset: linear, n: 100}
model: {layers: [{type: dense, units: 100000000000}, {type: dense, units: 1}]}
train: {optimizer: sgd}
`

// TestMemoryRefused: exp run refuses a model that cannot fit, before
// anything trains, with the estimate; exp validate prints it.
func TestMemoryRefused(t *testing.T) {
	if meminfo.Total() == 0 {
		t.Skip("no /proc/meminfo")
	}
	dir := t.TempDir()
	file := writeFile(t, dir, "huge.yaml", huge)
	db := filepath.Join(dir, "runs.db")
	code, _, errOut := run(t, nil, "run", file, "--db", db)
	want := "exp run: not enough memory: the trial needs an estimated 25.5 TiB (parameters 1.1 TiB, …, data 800 B), more than the machine's … (--force to try anyway)"
	if code != ExitUsage || !strings.Contains(errOut, "not enough memory: the trial needs an estimated") ||
		!strings.Contains(errOut, "parameters 1.1 TiB, gradients and optimizer state 1.1 TiB, activations 23.3 TiB, data 800 B)") ||
		!strings.Contains(errOut, "(--force to try anyway)") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and a message like %q", code, errOut, ExitUsage, want)
	}
	if runs, err := openStore(t, db).Runs(context.Background()); err != nil || len(runs) != 0 {
		t.Errorf("runs recorded: %v, %v", runs, err)
	}
	code, out, _ := run(t, nil, "validate", file)
	if code != ExitOK || !strings.Contains(out, "Memory at batch size 32: 25.5 TiB (parameters 1.1 TiB,") {
		t.Errorf("validate: exit %d\n%s", code, out)
	}
}

// TestMemorySweep: in a sweep, the trial that cannot fit is recorded as
// failed with the estimate, and the others complete.
func TestMemorySweep(t *testing.T) {
	if meminfo.Total() == 0 {
		t.Skip("no /proc/meminfo")
	}
	dir := t.TempDir()
	file := writeFile(t, dir, "s.yaml", strings.Replace(huge, "units: 100000000000", "units: 4", 1)+
		"sweep:\n  axes:\n    model.layers[0].units: [4, 100000000000, 8]\n")
	db := filepath.Join(dir, "runs.db")
	code, out, errOut := run(t, nil, "run", file, "--db", db, "--jobs", "1")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d (a trial failed)\n%s\n%s", code, ExitFailed, out, errOut)
	}
	_, runs := sweepEpochs(t, db)
	for trial, want := range map[int]record.Status{1: record.StatusCompleted, 2: record.StatusFailed, 3: record.StatusCompleted} {
		if runs[trial].Status != want {
			t.Errorf("trial %d: %s (%s), want %s", trial, runs[trial].Status, runs[trial].Error, want)
		}
	}
	if msg := runs[2].Error; !strings.HasPrefix(msg, "not enough memory: the trial needs an estimated 25.5 TiB") || runs[2].Attempts != 1 {
		t.Errorf("trial 2's error %q (attempts %d)", msg, runs[2].Attempts)
	}
}
