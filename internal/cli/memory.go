package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/exp-runner/exp/internal/model"
	"github.com/exp-runner/exp/internal/plan"
)

// trialMemory estimates the memory of each trial of p (by position);
// data that cannot be loaded is a usage error.
func trialMemory(ctx context.Context, p *plan.Plan) ([]model.Memory, error) {
	mems, err := p.Memory(ctx)
	var ie *plan.InputError
	if errors.As(err, &ie) {
		return nil, &ExitError{Code: ExitUsage, Err: ie.Err}
	}
	return mems, err
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
