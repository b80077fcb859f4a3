package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/exp-runner/exp/internal/checkpoint"
	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/train"
	"github.com/exp-runner/exp/registry"
)

// TrialOptions configures RunTrial.
type TrialOptions struct {
	Store       *resultdb.DB
	RunID       int64
	Owner       string        // the claim's token: every write checks it
	Lease       time.Duration // > 0: renew the claim's lease every Lease/3
	Checkpoints string        // the checkpoints root
	// NewBackend creates the backend the trial's config names.
	NewBackend func(spec string) (backends.Backend, error)
	// Log gets one line per epoch; Progress, if set, a progress bar.
	Log, Progress io.Writer
	// Stack adds a panic's stack trace to the error of a failed trial.
	Stack bool
	// Memory is what the trial's dataset checks the size of its data
	// against before loading it (config.Options.Memory).
	Memory registry.MemoryPolicy
}

// RunTrial trains one claimed trial (status running) to its end, resuming
// from its last committed epoch, and records how it ended. The returned
// status is the trial's final one. A worker that loses the trial (its lease
// ran out and another worker claimed it) stops and writes nothing more; it
// returns an error wrapping resultdb.ErrLeaseLost.
func RunTrial(ctx context.Context, o TrialOptions) (record.Status, error) {
	r, owner, err := o.Store.Owned(ctx, o.RunID)
	if err != nil {
		return "", err
	}
	if r.Status != record.StatusRunning || owner.Token != o.Owner {
		return "", fmt.Errorf("trial (run %d) is %s and not claimed by this worker: %w", r.ID, r.Status, resultdb.ErrLeaseLost)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	var beats sync.WaitGroup
	defer beats.Wait() // after cancel: the heartbeat ends with ctx
	defer cancel(nil)
	if o.Lease > 0 {
		beats.Go(func() { heartbeat(ctx, o, cancel) })
	}
	bg := context.WithoutCancel(ctx)
	dir := checkpoint.TrialDir(o.Checkpoints, r.ID)
	t := &trial{o: o, run: r, dir: dir, partials: checkpoint.NewPartialWriter(dir), bg: bg, cancel: cancel}
	defer t.partials.Close()
	out, err := t.train(ctx)
	if err != nil {
		return "", err
	}
	if cause := context.Cause(ctx); errors.Is(cause, resultdb.ErrLeaseLost) {
		return "", cause
	}
	if err := o.Store.FinishTrial(bg, r.ID, o.Owner, out); err != nil {
		return "", err
	}
	return out.Status, nil
}

// trial is one attempt at a claimed trial.
type trial struct {
	o   TrialOptions
	run *record.Run
	dir string // its checkpoints
	// partials saves its partial checkpoints (see train.Options.Partial).
	partials *checkpoint.PartialWriter
	bg       context.Context         // for the writes an interruption must not stop
	cancel   context.CancelCauseFunc // ends the attempt when the lease is lost
}

// train loads what the trial needs and trains it, returning how it ended.
// An error is one of the store's, for which no outcome can be recorded.
func (t *trial) train(ctx context.Context) (resultdb.Outcome, error) {
	failed := func(msg string) (resultdb.Outcome, error) {
		return resultdb.Outcome{Status: record.StatusFailed, Error: msg}, nil
	}
	dir, err := t.configDir(ctx)
	if err != nil {
		return resultdb.Outcome{}, err
	}
	cfg, err := config.ParseWith(fmt.Sprintf("run %d's config", t.run.ID), []byte(t.run.ConfigYAML), config.Options{Dir: dir, Memory: t.o.Memory, Context: ctx})
	if err != nil {
		return failed("invalid stored config: " + err.Error())
	}
	if h := cfg.Data.DataHash(); t.run.DataHash != "" && h != t.run.DataHash {
		return failed(fmt.Sprintf("data: the files changed since the trial was planned (contents hash %.12s, planned %.12s); run exp run again to plan trials on them", h, t.run.DataHash))
	}
	if msg := layerFilesChanged(cfg, t.run.ConfigHash); msg != "" {
		return failed(msg)
	}
	set, err := cfg.Data.Load(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return resultdb.Outcome{Status: record.StatusInterrupted, Error: "interrupted while loading the data"}, nil
		}
		return failed("data: " + err.Error())
	}
	be, err := t.o.NewBackend(cfg.Backend)
	if err != nil {
		return failed(err.Error())
	}
	history, err := t.history(ctx)
	if err != nil {
		return resultdb.Outcome{}, err
	}
	if !contiguous(history) {
		return failed(fmt.Sprintf("stored epochs are not 1…%d", len(history)))
	}
	prune, err := t.prune(ctx)
	if err != nil {
		return resultdb.Outcome{}, err
	}
	res := train.Run(ctx, cfg, set, t.runnerOptions(cfg, be, history, prune))
	out := resultdb.Outcome{Status: res.Status, StopReason: res.StopReason, Summary: res.Summary}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	return out, nil
}

// layerFilesChanged says why a trial whose layers read files (an ONNX
// backbone) cannot go on when their contents changed since it was planned:
// its config hash, which covers them, differs from planned ("" when it
// does not, or no layer reads files).
func layerFilesChanged(cfg *config.Config, planned string) string {
	files := cfg.LayerFiles()
	if len(files) == 0 || planned == "" || cfg.Hash() == planned {
		return ""
	}
	var paths []string
	for i := range len(cfg.Model.Layers) {
		for _, f := range files[i] {
			paths = append(paths, f.Path)
		}
	}
	return fmt.Sprintf("model: the files the layers read (%s) changed since the trial was planned; run exp run again to plan trials on them",
		strings.Join(paths, ", "))
}

// configDir returns the folder the trial's relative data paths resolve
// against: that of its sweep's config file (the working directory for a
// run without a sweep).
func (t *trial) configDir(ctx context.Context) (string, error) {
	if t.run.SweepID == 0 {
		return filepath.Abs(".")
	}
	sw, err := t.o.Store.Sweep(ctx, t.run.SweepID)
	if err != nil {
		return "", err
	}
	return filepath.Dir(sw.File), nil
}

// history returns the trial's committed epochs.
func (t *trial) history(ctx context.Context) ([]record.Epoch, error) {
	stored, err := t.o.Store.Epochs(ctx, t.run.ID)
	if err != nil {
		return nil, err
	}
	history := make([]record.Epoch, len(stored))
	for i, e := range stored {
		history[i] = record.Epoch(*e)
	}
	return history, nil
}

// contiguous reports whether epochs are numbered 1, 2, … in order.
func contiguous(epochs []record.Epoch) bool {
	for i, e := range epochs {
		if e.Epoch != i+1 {
			return false
		}
	}
	return true
}

// prune returns the prune settings of the trial's sweep, or nil.
func (t *trial) prune(ctx context.Context) (*plan.Prune, error) {
	if t.run.SweepID == 0 {
		return nil, nil
	}
	sw, err := t.o.Store.Sweep(ctx, t.run.SweepID)
	if err != nil || sw.Prune == "" {
		return nil, err
	}
	p := &plan.Prune{}
	if err := json.Unmarshal([]byte(sw.Prune), p); err != nil {
		return nil, fmt.Errorf("sweep %d: prune settings: %w", sw.ID, err)
	}
	return p, nil
}

// runnerOptions configures the run: it resumes after history from the
// last checkpoint, saves one after each epoch, and commits each epoch
// (then prunes older checkpoints, then applies the sweep's prune rule).
func (t *trial) runnerOptions(cfg *config.Config, be backends.Backend, history []record.Epoch, prune *plan.Prune) train.Options {
	o := t.o
	best := newBestKeeper(t.dir, cfg.BestMetric(), history)
	opts := train.Options{
		Backend: be, Log: o.Log, Progress: o.Progress, History: history, Stack: o.Stack,
		Save:     func(epoch int, ctx *mlctx.Context) error { return checkpoint.Save(t.dir, epoch, ctx) },
		SaveBest: best.save,
		Partial: func(p train.Progress, ctx *mlctx.Context) error {
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			return t.partials.Save(p.Epoch, b, ctx)
		},
		PartialEvery: PartialEvery,
	}
	last := len(history)
	if last > 0 {
		opts.Restore = func(ctx *mlctx.Context) error { return checkpoint.Load(t.dir, last, ctx) }
	}
	within := ""
	if p := t.partial(last); p != nil {
		opts.Restore, opts.Resume = p.restore, &p.progress
		within = fmt.Sprintf(", from step %d of epoch %d", p.progress.Step, p.progress.Epoch)
	}
	if o.Log != nil && opts.Restore != nil {
		fmt.Fprintf(o.Log, "resuming run %d after epoch %d of %d%s (attempt %d)\n", t.run.ID, last, cfg.Train.Epochs, within, t.run.Attempts)
	}
	opts.OnEpoch = func(ep train.Epoch) (train.Stop, error) {
		rec := record.Epoch(ep.Record)
		rec.RunID = t.run.ID
		if err := t.commit(&rec, best.confusion(ep)); err != nil {
			return train.Stop{}, err
		}
		if err := checkpoint.Prune(t.dir, ep.Record.Epoch); err != nil {
			return train.Stop{}, err
		}
		if err := best.committed(ep); err != nil {
			return train.Stop{}, err
		}
		if prune == nil {
			return train.Stop{}, nil
		}
		return shouldPrune(t.bg, o.Store, t.run, prune, ep.Record)
	}
	return opts
}

// PartialEvery is the least time between a trial's partial checkpoints
// within an epoch (see train.Options.Partial): a kill loses at most about
// that much training beyond the restart. A save of the reference MLP's
// state (1.2 MB, written in place without syncing) takes about 0.2 ms.
const PartialEvery = 50 * time.Millisecond

// partialResume is a partial checkpoint to resume from.
type partialResume struct {
	progress train.Progress
	restore  func(ctx *mlctx.Context) error
}

// partial returns the trial's partial checkpoint if it was saved within
// the epoch after last, its last committed one; otherwise (none, one of an
// epoch committed since, or one torn by a crash) nil: the epoch starts
// over from last's checkpoint.
func (t *trial) partial(last int) *partialResume {
	p, err := checkpoint.ReadPartial(t.dir)
	if err != nil || p == nil {
		return nil
	}
	var prog train.Progress
	if json.Unmarshal(p.Progress, &prog) != nil || prog.Epoch != last+1 || prog.Step <= 0 {
		return nil
	}
	return &partialResume{progress: prog, restore: p.Restore}
}

// commit records epoch rec, with the run's new confusion matrix if not "".
func (t *trial) commit(rec *record.Epoch, confusion string) error {
	var err error
	if confusion != "" {
		err = t.o.Store.AddTrialEpochConfusion(t.bg, t.o.Owner, rec, confusion)
	} else {
		err = t.o.Store.AddTrialEpoch(t.bg, t.o.Owner, rec)
	}
	if errors.Is(err, resultdb.ErrLeaseLost) {
		t.cancel(err)
	}
	return err
}

// shouldPrune applies the sweep's rule at a milestone epoch.
func shouldPrune(ctx context.Context, store *resultdb.DB, r *record.Run, p *plan.Prune, ep record.Epoch) (train.Stop, error) {
	milestone := false
	for _, m := range p.Milestones {
		milestone = milestone || m == ep.Epoch
	}
	own := ep.Value(p.Monitor)
	if !milestone || own == nil {
		return train.Stop{}, nil
	}
	values, err := store.MetricAt(ctx, r.SweepID, ep.Epoch, p.Monitor)
	if err != nil {
		return train.Stop{}, err
	}
	delete(values, r.ID)
	var others []float64
	for _, v := range values {
		others = append(others, v)
	}
	stop, reason := Decide(p, *own, others, ep.Epoch)
	if !stop {
		return train.Stop{}, nil
	}
	return train.Stop{Status: record.StatusPruned, Reason: reason}, nil
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
	better := func(a, b float64) bool { return record.Better(p.Monitor, a, b) }
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
// the lease is lost it cancels ctx with resultdb.ErrLeaseLost.
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
		case errors.Is(err, resultdb.ErrLeaseLost):
			cancel(err)
			return
		case err != nil && ctx.Err() == nil:
			// A passing database error: the next beat tries again, within the lease.
		}
	}
}
