package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/meminfo"
	"github.com/exp-runner/exp/internal/plan"
)

// TestProposedTrialMemory: a trial that a tpe search proposes while the
// sweep runs (not among the planned ones) is estimated when claimed, and
// refused like a planned one when it cannot fit.
func TestProposedTrialMemory(t *testing.T) {
	if meminfo.Total() == 0 {
		t.Skip("no /proc/meminfo")
	}
	dir := t.TempDir()
	small := prepare(t, dir, "small.yaml", `data: {dataset: linear, n: 100}
model: {layers: [{type: dense, units: 4}, {type: dense, units: 1}]}
train: {optimizer: sgd}
`)
	huge := prepare(t, dir, "huge.yaml", `data: {dataset: linear, n: 100}
model: {layers: [{type: dense, units: 100000000000}, {type: dense, units: 1}]}
train: {optimizer: sgd}
`)
	mems, err := small.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := &memoryCheck{ctx: context.Background(), plan: small, mems: mems, jobs: 1, total: meminfo.Total()}
	if msg := m.refuse(small.Trials[0]); msg != "" {
		t.Errorf("the planned trial is refused: %s", msg)
	}
	proposed := *huge.Trials[0]
	proposed.Index = 7 // past the planned trials, as a proposal is
	msg := m.refuse(&proposed)
	if !strings.Contains(msg, "not enough memory: the trial needs an estimated") || !strings.Contains(msg, "parameters 1.1 TiB") {
		t.Errorf("proposed trial: refusal %q, want the estimate", msg)
	}
	if est := m.estimate(&proposed); !strings.HasPrefix(est, "25.5 TiB") {
		t.Errorf("proposed trial's estimate %q", est)
	}
	m.force = true
	if msg := m.refuse(&proposed); msg != "" {
		t.Errorf("forced: refused anyway: %s", msg)
	}
}

func prepare(t *testing.T, dir, name, text string) *plan.Plan {
	t.Helper()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Prepare(file, nil, plan.Options{MaxTrials: 10})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
