package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/exp-runner/exp/internal/plan"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/search"
)

// openSearch returns the report of a tpe sweep: its trials so far, all of
// them proposed as results arrive (none planned up front).
func openSearch(ctx context.Context, store *resultdb.DB, sw *record.Sweep, p *plan.Plan) (*Report, error) {
	trials, err := store.Trials(ctx, sw.ID)
	if err != nil {
		return nil, err
	}
	return &Report{Sweep: sw, Trials: trials, Budget: p.Search().Samples}, nil
}

// History returns the search history of a tpe sweep's trials (by trial
// number) and their epochs: each trial's point, state and value (its best
// epoch's value of the monitor; a pruned trial's value at its last epoch).
// Pending, running and interrupted trials are running (the constant liar).
func History(s *plan.Search, trials []*record.Run, epochs map[int64][]*record.Epoch) ([]search.Trial, error) {
	out := make([]search.Trial, 0, len(trials))
	for _, r := range trials {
		x, err := s.Point(r.Params)
		if err != nil {
			return nil, fmt.Errorf("trial %d (run %d): %w", r.Trial, r.ID, err)
		}
		t := search.Trial{Params: x, State: search.Running}
		best, last, n := bestValue(s.Monitor, s.Config.Direction, epochs[r.ID])
		switch r.Status {
		case record.StatusCompleted:
			t.State, t.Value = search.Complete, best
		case record.StatusPruned:
			t.State, t.Value, t.Epoch = search.Pruned, last, n
		case record.StatusFailed, record.StatusDiverged:
			t.State = search.Failed
		}
		if t.State != search.Running && math.IsNaN(t.Value) {
			t.State = search.Failed
		}
		out = append(out, t)
	}
	return out, nil
}

// bestValue returns the best value of metric over epochs in the search's
// direction, the value at the last epoch, and the last epoch's number (NaN
// for none).
func bestValue(metric string, dir search.Direction, epochs []*record.Epoch) (best, last float64, n int) {
	best, last = math.NaN(), math.NaN()
	for _, e := range epochs {
		v := e.Value(metric)
		if v == nil {
			continue
		}
		last, n = *v, e.Epoch
		if math.IsNaN(best) || (dir == search.Maximize && *v > best) || (dir == search.Minimize && *v < best) {
			best = *v
		}
	}
	return best, last, n
}

// proposer returns the store callback that proposes a tpe sweep's next
// trial: proposal number k = the trials the sweep holds, from the history
// of those trials in the order they were recorded. At the budget, or when
// no untried point is left, it returns an error wrapping
// resultdb.ErrNoProposal.
func proposer(p *plan.Plan, note func(string)) resultdb.Proposer {
	s := p.Search()
	return func(trials []*record.Run, epochs map[int64][]*record.Epoch) (*record.Run, error) {
		k := len(trials)
		if k >= s.Samples {
			return nil, fmt.Errorf("the budget of %d trials is spent: %w", s.Samples, resultdb.ErrNoProposal)
		}
		hist, err := History(s, trials, epochs)
		if err != nil {
			return nil, err
		}
		x, err := search.Propose(s.Space, hist, k, s.Config)
		if errors.Is(err, search.ErrExhausted) {
			note(fmt.Sprintf("the search ends after %d of %d trials: %v", k, s.Samples, err))
			return nil, fmt.Errorf("%w: %w", resultdb.ErrNoProposal, err)
		}
		if err != nil {
			return nil, err
		}
		t, err := s.Trial(x)
		if err != nil {
			return nil, err
		}
		return trialRun(t)
	}
}

// trialRun is the pending run of a plan's trial, with the preprocessing
// and the hash of its data when it reads a user's files.
func trialRun(t *plan.Trial) (*record.Run, error) {
	c := t.Config
	params := map[string]any{}
	for _, kv := range t.Params {
		params[kv.Path] = kv.Value
	}
	pre, err := c.Data.Preprocessing()
	if err != nil {
		return nil, err
	}
	return &record.Run{
		Name: c.Name, ModelName: c.Model.Name, ConfigYAML: c.YAML(), ConfigHash: c.Hash(),
		Seed: c.Train.Seed, Backend: c.Backend, Optimizer: c.Train.Optimizer.Name,
		LearningRate: c.Train.LearningRate, BatchSize: c.Train.BatchSize, Epochs: c.Train.Epochs,
		Variant: t.Variant, Params: params, DataHash: c.Data.DataHash(), Preprocessing: string(pre),
	}, nil
}

// searchTrial returns the plan trial of a tpe sweep's run, built from its
// recorded params, numbered by the run's trial number.
func searchTrial(s *plan.Search, r *record.Run) (*plan.Trial, error) {
	x, err := s.Point(r.Params)
	if err != nil {
		return nil, fmt.Errorf("trial %d (run %d): %w", r.Trial, r.ID, err)
	}
	t, err := s.Trial(x)
	if err != nil {
		return nil, err
	}
	t.Index = r.Trial
	return t, nil
}

// total is the number of the sweep's trials: a tpe sweep's budget, or the
// plan's trials.
func (s *session) total() int {
	if s.rep.Budget > 0 {
		return s.rep.Budget
	}
	return len(s.rep.Trials)
}

// add makes run r (the plan's i-th trial, or a tpe sweep's) one the
// session may claim.
func (s *session) add(r *record.Run, i int) error {
	t := (*plan.Trial)(nil)
	if s.rep.Budget > 0 {
		var err error
		if t, err = searchTrial(s.plan.Search(), r); err != nil {
			return err
		}
	} else {
		t = s.plan.Trials[i]
	}
	s.byID[r.ID] = t
	s.ids = append(s.ids, r.ID)
	return nil
}

// claimOrPropose claims the next claimable trial; in a tpe sweep with none,
// it proposes the next trial (under the store's lock on the sweep) and
// claims that. It returns nil when there is nothing to claim.
func (s *session) claimOrPropose() (*claimed, error) {
	if s.rep.Budget > 0 {
		if err := s.refresh(); err != nil {
			return nil, err
		}
	}
	c, err := s.claim()
	if err != nil || c != nil || s.rep.Budget == 0 || s.spent {
		return c, err
	}
	note := func(msg string) { fmt.Fprintln(s.out, msg) }
	r, err := s.opts.Store.ProposeTrial(s.ctx, s.rep.Sweep.ID, proposer(s.plan, note))
	switch {
	case errors.Is(err, resultdb.ErrNoProposal):
		s.spent = true
		return nil, nil
	case errors.Is(err, resultdb.ErrDuplicate):
		note(fmt.Sprintf("the search ends: its proposal repeats a trial (%v)", err))
		s.spent = true
		return nil, nil
	case err != nil:
		return nil, err
	}
	if err := s.addRun(r); err != nil {
		return nil, err
	}
	// Another worker may claim it first: then the loop looks again.
	return s.claim()
}

// refresh adds the tpe sweep's trials that other workers proposed.
func (s *session) refresh() error {
	trials, err := s.opts.Store.Trials(s.ctx, s.rep.Sweep.ID)
	if err != nil {
		return err
	}
	for _, r := range trials {
		if err := s.addRun(r); err != nil {
			return err
		}
	}
	return nil
}

// addRun adds a tpe sweep's run to the session unless it has it.
func (s *session) addRun(r *record.Run) error {
	if _, ok := s.byID[r.ID]; ok {
		return nil
	}
	s.rep.Trials = append(s.rep.Trials, r)
	return s.add(r, -1)
}
