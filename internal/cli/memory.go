package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/yamlx"
	"github.com/exp-runner/exp/registry"
)

// trialMemory estimates the memory of each trial of p (by position),
// loading each distinct dataset once.
func trialMemory(ctx context.Context, p *plan.Plan) ([]model.Memory, error) {
	sums := map[int]*model.Summary{}
	for _, a := range p.Architectures {
		for _, i := range a.Trials {
			sums[i] = a.Summary
		}
	}
	sets := map[string]*registry.Data{}
	out := make([]model.Memory, len(p.Trials))
	for i, t := range p.Trials {
		key := yamlx.Marshal(yamlx.Encode(t.Config.Data))
		set, ok := sets[key]
		if !ok {
			var err error
			if set, err = loadData(ctx, t.Config); err != nil {
				return nil, err
			}
			sets[key] = set
		}
		if s := sums[t.Index]; s != nil {
			out[i] = model.EstimateMemory(t.Config, s, set)
		}
	}
	return out, nil
}

// memoryRefusal returns why a trial needing mem, run jobs at a time on a
// machine of total bytes, is refused ("" if it fits or total is unknown).
func memoryRefusal(mem model.Memory, jobs int, total int64) string {
	need := mem.Total() * int64(jobs)
	if total <= 0 || need <= total {
		return ""
	}
	times := ""
	if jobs > 1 {
		times = fmt.Sprintf(" × %d jobs = %s", jobs, model.Bytes(need))
	}
	return fmt.Sprintf("not enough memory: the trial needs an estimated %s%s, more than the machine's %s (--force to try anyway)",
		mem.String(), times, model.Bytes(total))
}

// memoryCheck returns, for sweep.Options, the refusal of each trial whose
// estimate times jobs exceeds the machine's memory, total bytes (none with
// force), and each trial's estimate.
func memoryCheck(p *plan.Plan, mems []model.Memory, jobs int, force bool, total int64) (refuse, estimate func(*plan.Trial) string) {
	// A tpe sweep's trials past its first n_startup are proposed while it
	// runs and have no estimate: they are not refused (a run out of memory
	// is still recorded as such).
	planned := func(t *plan.Trial) bool { return t.Index >= 1 && t.Index <= len(mems) }
	refuse = func(t *plan.Trial) string {
		if force || !planned(t) {
			return ""
		}
		return memoryRefusal(mems[t.Index-1], jobs, total)
	}
	estimate = func(t *plan.Trial) string {
		if !planned(t) {
			return ""
		}
		return mems[t.Index-1].String()
	}
	return refuse, estimate
}

// writeMemory prints the memory estimate of architecture a's trials: the
// largest, with its batch size.
func writeMemory(w io.Writer, p *plan.Plan, a *plan.Architecture, mems []model.Memory) {
	best := a.Trials[0]
	for _, i := range a.Trials {
		if mems[i-1].Total() > mems[best-1].Total() {
			best = i
		}
	}
	what := "Memory"
	if len(a.Trials) > 1 {
		what = fmt.Sprintf("Memory (the largest, trial %d)", best)
	}
	fmt.Fprintf(w, "%s at batch size %d: %s\n", what, p.Trials[best-1].Config.Train.BatchSize, mems[best-1])
}
