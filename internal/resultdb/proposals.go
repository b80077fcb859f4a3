package resultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/exp-runner/exp/internal/record"
)

// ErrNoProposal is returned by a ProposeTrial callback that proposes nothing
// (the budget is spent, or the search space is exhausted); ProposeTrial
// returns it as is, having inserted nothing.
var ErrNoProposal = errors.New("no trial proposed")

// Proposer returns the next trial of a sweep given the sweep's trials so
// far (by trial number) and their epochs (by run id), or an error wrapping
// ErrNoProposal.
type Proposer func(trials []*record.Run, epochs map[int64][]*record.Epoch) (*record.Run, error)

// ProposeTrial inserts the trial that propose returns as the next pending
// trial of sweep sweepID, under one lock on the sweep (its row on
// PostgreSQL, the database's write lock on SQLite): workers proposing at
// once see each other's proposals. A proposal whose config hash the sweep
// already holds is an error wrapping ErrDuplicate.
func (s *DB) ProposeTrial(ctx context.Context, sweepID int64, propose Proposer) (*record.Run, error) {
	var out *record.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = nil
		if _, err := s.exec(ctx, tx, `SELECT 1 FROM sweeps WHERE id = ?`+s.d.forUpdate, sweepID); err != nil {
			return err
		}
		trials, err := s.queryRuns(ctx, tx, `SELECT `+runColumns+` FROM runs WHERE sweep_id = ? ORDER BY trial`, sweepID)
		if err != nil {
			return err
		}
		epochs, err := s.sweepEpochs(ctx, tx, sweepID)
		if err != nil {
			return err
		}
		r, err := propose(trials, epochs)
		if err != nil {
			return err
		}
		last := 0
		if len(trials) > 0 {
			last = trials[len(trials)-1].Trial
		}
		stored, isNew, err := s.planTrial(ctx, tx, sweepID, int64(last+1), s.nowArg(), r)
		if err == nil && !isNew {
			err = fmt.Errorf("trial %d has config hash %s: %w", stored.Trial, r.ConfigHash, ErrDuplicate)
		}
		out = stored
		return err
	})
	if errors.Is(err, ErrNoProposal) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("results: propose a trial of sweep %d: %w", sweepID, err)
	}
	return out, nil
}

// sweepEpochs returns the epochs of sweep sweepID's trials, by run id.
func (s *DB) sweepEpochs(ctx context.Context, q querier, sweepID int64) (map[int64][]*record.Epoch, error) {
	epochs, err := queryAll(ctx, s, q, scanEpoch, `SELECT `+epochColumns+` FROM epochs WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = ?) ORDER BY run_id, epoch`, sweepID)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*record.Epoch{}
	for _, e := range epochs {
		out[e.RunID] = append(out[e.RunID], e)
	}
	return out, nil
}
