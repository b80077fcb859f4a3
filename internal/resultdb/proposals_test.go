package resultdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

func TestProposeTrial(t *testing.T) {
	eachBackend(t, testProposeTrial)
}

// testProposeTrial: four stores propose at once, each proposal depending on
// the trials it sees (its hash is their count); under the lock on the
// sweep no two see the same trials, so none is a duplicate.
func testProposeTrial(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)
	sw, _, err := s.OpenSweep(ctx, "search", "/x/search.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	byCount := func(trials []*record.Run, _ map[int64][]*record.Epoch) (*record.Run, error) {
		return trialRun(fmt.Sprint(len(trials)), 0.1*float64(len(trials)+1)), nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 4 {
		w := db.open(t)
		wg.Go(func() {
			for range 5 {
				if _, err := w.ProposeTrial(ctx, sw.ID, byCount); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	trials, err := s.Trials(ctx, sw.ID)
	if err != nil || len(trials) != 20 {
		t.Fatalf("%d trials (%v), want 20", len(trials), err)
	}
	for i, r := range trials {
		if r.Trial != i+1 || r.ConfigHash != fmt.Sprint(i) || r.Status != record.StatusPending {
			t.Errorf("trial %d: number %d, hash %s, %s", i+1, r.Trial, r.ConfigHash, r.Status)
		}
	}

	// The callback sees the epochs; a repeat is ErrDuplicate; ErrNoProposal
	// comes back as is; neither inserts anything.
	owner := "w"
	if _, err := s.ClaimTrial(ctx, []int64{trials[0].ID}, Claim{Owner: owner}); err != nil {
		t.Fatal(err)
	}
	loss := 0.5
	if err := s.AddTrialEpoch(ctx, owner, &record.Epoch{RunID: trials[0].ID, Epoch: 1, Loss: &loss}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ProposeTrial(ctx, sw.ID, func(trials []*record.Run, epochs map[int64][]*record.Epoch) (*record.Run, error) {
		if es := epochs[trials[0].ID]; len(es) != 1 || *es[0].Loss != 0.5 {
			t.Errorf("the proposer sees epochs %v", es)
		}
		return trialRun("3", 9), nil
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a repeated config hash: %v, want ErrDuplicate", err)
	}
	none := func([]*record.Run, map[int64][]*record.Epoch) (*record.Run, error) {
		return nil, fmt.Errorf("budget: %w", ErrNoProposal)
	}
	if _, err := s.ProposeTrial(ctx, sw.ID, none); !errors.Is(err, ErrNoProposal) {
		t.Errorf("no proposal: %v", err)
	}
	if after, _ := s.Trials(ctx, sw.ID); len(after) != 20 {
		t.Errorf("%d trials after the refused proposals, want 20", len(after))
	}
}
