package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/gomlx/gomlx/backends"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/results"
	"github.com/exp-runner/exp/internal/runner"
)

// TrialOptions configures RunTrial.
type TrialOptions struct {
	Store       results.Store
	RunID       int64
	Owner       string        // the claim's token: every write checks it
	Lease       time.Duration // > 0: renew the claim's lease every Lease/3
	Checkpoints string        // the checkpoints root
	// NewBackend creates the backend the trial's config names.
	NewBackend func(spec string) (backends.Backend, error)
	// Log gets one line per epoch; Progress, if set, a progress bar.
	Log, Progress io.Writer
}

// RunTrial trains one claimed trial (status running) to its end, resuming
// from its last committed epoch, and records how it ended. The returned
// status is the trial's final one. A worker that loses the trial (its lease
// ran out and another worker claimed it) stops and writes nothing more; it
// returns an error wrapping results.ErrLeaseLost.
func RunTrial(ctx context.Context, o TrialOptions) (results.Status, error) {
	bg := context.WithoutCancel(ctx)
	r, err := o.Store.Run(ctx, o.RunID)
	if err != nil {
		return "", err
	}
	if r.Status != results.StatusRunning || r.Owner != o.Owner {
		return "", fmt.Errorf("trial (run %d) is %s and not claimed by this worker: %w", r.ID, r.Status, results.ErrLeaseLost)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.Lease > 0 {
		go heartbeat(ctx, o, cancel)
	}
	var summary map[string]float64
	finish := func(status results.Status, msg, reason string) (results.Status, error) {
		if cause := context.Cause(ctx); errors.Is(cause, results.ErrLeaseLost) {
			return "", cause
		}
		err := o.Store.FinishTrial(bg, r.ID, o.Owner, results.Outcome{Status: status, Error: msg, StopReason: reason, Summary: summary})
		if err != nil {
			return "", err
		}
		return status, nil
	}
	cfg, err := config.Parse(fmt.Sprintf("run %d's config", r.ID), []byte(r.ConfigYAML), nil)
	if err != nil {
		return finish(results.StatusFailed, "invalid stored config: "+err.Error(), "")
	}
	set, err := cfg.Data.Load(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return finish(results.StatusInterrupted, "interrupted while loading the data", "")
		}
		return finish(results.StatusFailed, "data: "+err.Error(), "")
	}
	be, err := o.NewBackend(cfg.Backend)
	if err != nil {
		return finish(results.StatusFailed, err.Error(), "")
	}
	stored, err := o.Store.Epochs(ctx, r.ID)
	if err != nil {
		return "", err
	}
	history := make([]runner.Epoch, len(stored))
	for i, e := range stored {
		history[i] = runner.Epoch{Epoch: e.Epoch, Loss: e.Loss, Accuracy: e.Accuracy, ValLoss: e.ValLoss,
			ValAccuracy: e.ValAccuracy, Seconds: e.Seconds, MsPerStep: e.MsPerStep, ExamplesPerSecond: e.ExamplesPerSecond}
		if e.Epoch != i+1 {
			return finish(results.StatusFailed, fmt.Sprintf("stored epochs are not 1…%d", len(stored)), "")
		}
	}
	dir := TrialDir(o.Checkpoints, r.ID)
	opts := runner.Options{
		Backend: be, Log: o.Log, Progress: o.Progress, History: history,
		Save: func(epoch int, ctx *mlctx.Context) error { return checkpoint.Save(dir, epoch, ctx) },
	}
	if len(history) > 0 {
		last := len(history)
		opts.Restore = func(ctx *mlctx.Context) error { return checkpoint.Load(dir, last, ctx) }
		if o.Log != nil {
			fmt.Fprintf(o.Log, "resuming run %d after epoch %d of %d (attempt %d)\n", r.ID, last, cfg.Train.Epochs, r.Attempts)
		}
	}
	var prune *plan.Prune
	if r.SweepID != 0 {
		sw, err := o.Store.Sweep(ctx, r.SweepID)
		if err != nil {
			return "", err
		}
		if sw.Prune != "" {
			prune = &plan.Prune{}
			if err := json.Unmarshal([]byte(sw.Prune), prune); err != nil {
				return "", fmt.Errorf("sweep %d: prune settings: %w", sw.ID, err)
			}
		}
	}
	opts.OnEpoch = func(ep runner.Epoch) (runner.Stop, error) {
		if err := o.Store.AddTrialEpoch(bg, o.Owner, &results.Epoch{
			RunID: r.ID, Epoch: ep.Epoch, Loss: ep.Loss, Accuracy: ep.Accuracy, ValLoss: ep.ValLoss,
			ValAccuracy: ep.ValAccuracy, Seconds: ep.Seconds, MsPerStep: ep.MsPerStep, ExamplesPerSecond: ep.ExamplesPerSecond,
		}); err != nil {
			if errors.Is(err, results.ErrLeaseLost) {
				cancel(err)
			}
			return runner.Stop{}, err
		}
		if err := checkpoint.Prune(dir, ep.Epoch); err != nil {
			return runner.Stop{}, err
		}
		if prune == nil {
			return runner.Stop{}, nil
		}
		return shouldPrune(bg, o.Store, r, prune, ep)
	}
	res := runner.Run(ctx, cfg, set, opts)
	summary = res.Summary
	msg := ""
	if res.Err != nil {
		msg = res.Err.Error()
	}
	return finish(results.Status(res.Status), msg, res.StopReason)
}

// shouldPrune applies the sweep's rule at a milestone epoch.
func shouldPrune(ctx context.Context, store results.Store, r *results.Run, p *plan.Prune, ep runner.Epoch) (runner.Stop, error) {
	milestone := false
	for _, m := range p.Milestones {
		milestone = milestone || m == ep.Epoch
	}
	own := ep.Metric(p.Monitor)
	if !milestone || own == nil {
		return runner.Stop{}, nil
	}
	values, err := store.MetricAt(ctx, r.SweepID, ep.Epoch, p.Monitor)
	if err != nil {
		return runner.Stop{}, err
	}
	delete(values, r.ID)
	var others []float64
	for _, v := range values {
		others = append(others, v)
	}
	stop, reason := Decide(p, *own, others, ep.Epoch)
	if !stop {
		return runner.Stop{}, nil
	}
	return runner.Stop{Status: runner.Pruned, Reason: reason}, nil
}

// Decide applies a prune rule at epoch to a trial's value of the monitored
// metric against the other trials' values at that epoch. Nothing is pruned
// until min_trials other trials have reached the milestone.
//
//   - median: prune if the value is worse than the median of the others.
//   - asha: prune unless the value ranks in the best 1/eta of all trials at
//     the milestone (itself included), at least the single best.
func Decide(p *plan.Prune, own float64, others []float64, epoch int) (bool, string) {
	if len(others) < p.MinTrials {
		return false, ""
	}
	higher := config.HigherIsBetter(p.Monitor)
	better := func(a, b float64) bool {
		if higher {
			return a > b
		}
		return a < b
	}
	switch p.Rule {
	case "median":
		s := append([]float64(nil), others...)
		sort.Float64s(s)
		med := s[len(s)/2]
		if len(s)%2 == 0 {
			med = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		if better(med, own) {
			return true, fmt.Sprintf("pruned at epoch %d: %s %.4f worse than the median %.4f of %d other trials", epoch, p.Monitor, own, med, len(others))
		}
	case "asha":
		all := append([]float64{own}, others...)
		rank := 1
		for _, v := range others {
			if better(v, own) {
				rank++
			}
		}
		keep := max(1, int(math.Floor(float64(len(all))/float64(p.Eta))))
		if rank > keep {
			return true, fmt.Sprintf("pruned at epoch %d: %s %.4f ranks %d of %d, outside the best 1/%d", epoch, p.Monitor, own, rank, len(all), p.Eta)
		}
	}
	return false, ""
}

// heartbeat renews the trial's lease every third of it until ctx ends; when
// the lease is lost it cancels ctx with results.ErrLeaseLost.
func heartbeat(ctx context.Context, o TrialOptions, cancel context.CancelCauseFunc) {
	t := time.NewTicker(o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := o.Store.Heartbeat(ctx, o.RunID, o.Owner, o.Lease)
		switch {
		case errors.Is(err, results.ErrLeaseLost):
			cancel(err)
			return
		case err != nil && ctx.Err() == nil:
			// A passing database error: the next beat tries again, within the lease.
		}
	}
}
