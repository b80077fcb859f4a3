package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/exp-runner/exp/internal/record"
)

// Status is the progress of a sweep, as exp status shows it.
type Status struct {
	Sweep  *record.Sweep
	Trials []*record.Run  // in plan order
	Rows   map[int64]*Row // each trial's row (run and epochs), by run id
	// Metric ranks the trials: record.DefaultMetric of the sweep's epochs.
	Metric Metric
	// Best is the trial with the best value of Metric so far (nil: none
	// has one).
	Best *Row
	Throughput
}

// Throughput is how fast a sweep's epochs are done.
type Throughput struct {
	Done int // epochs recorded
	Left int // epochs planned for the unfinished trials and not yet recorded
	// Elapsed is the time from the first start of a trial with epochs to
	// the last recorded epoch, or to now while a trial runs.
	Elapsed time.Duration
}

// EpochsPerHour is the rate of Done over Elapsed (0 if none elapsed).
func (t Throughput) EpochsPerHour() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Done) / t.Elapsed.Hours()
}

// ETA is the time the Left epochs take at that rate (0 if unknown).
func (t Throughput) ETA() time.Duration {
	rate := t.EpochsPerHour()
	if rate == 0 {
		return 0
	}
	return time.Duration(float64(t.Left) / rate * float64(time.Hour))
}

// SweepStatus reads the progress of sweep sw from store; now is the end of
// the elapsed time while a trial runs.
func SweepStatus(ctx context.Context, store Reader, sw *record.Sweep, now time.Time) (*Status, error) {
	trials, err := store.Trials(ctx, sw.ID)
	if err != nil {
		return nil, err
	}
	// Rows of the trials' epochs alone: their configs need not decode.
	epochs, err := store.AllEpochs(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]*Row, len(trials))
	for i, t := range trials {
		rows[i] = &Row{Run: t, Epochs: epochs[t.ID]}
	}
	metric := DefaultMetric(rows)
	s := &Status{Sweep: sw, Trials: trials, Rows: map[int64]*Row{}, Metric: metric}
	for _, r := range rows {
		r.rank(metric)
		s.Rows[r.Run.ID] = r
		if r.Best != nil && (s.Best == nil || metric.Better(*r.Best, *s.Best.Best)) {
			s.Best = r
		}
	}
	s.Throughput = s.throughput(now)
	return s, nil
}

// throughput sums the trials' epochs done and left and the time they took.
func (s *Status) throughput(now time.Time) Throughput {
	var th Throughput
	var first, last time.Time
	running := false
	for _, t := range s.Trials {
		running = running || t.Status == record.StatusRunning
		r := s.Rows[t.ID]
		done := len(r.Epochs)
		th.Done += done
		switch t.Status {
		case record.StatusPending, record.StatusRunning, record.StatusInterrupted:
			th.Left += max(0, t.Epochs-done)
		}
		if done == 0 {
			continue
		}
		if first.IsZero() || t.StartedAt.Before(first) {
			first = t.StartedAt
		}
		if at := r.Epochs[done-1].FinishedAt; at.After(last) {
			last = at
		}
	}
	if th.Done == 0 {
		return th
	}
	if running {
		last = now
	}
	th.Elapsed = last.Sub(first)
	return th
}

// Counts returns how many trials are in each status.
func (s *Status) Counts() map[record.Status]int {
	c := map[record.Status]int{}
	for _, t := range s.Trials {
		c[t.Status]++
	}
	return c
}

// statusOrder is the order in which exp status counts the trials.
var statusOrder = []record.Status{record.StatusCompleted, record.StatusPruned, record.StatusRunning, record.StatusPending,
	record.StatusInterrupted, record.StatusFailed, record.StatusDiverged}

// Write prints the status: the sweep, its trials by state, the best trial
// so far, throughput and ETA, then a table of the trials.
func (s *Status) Write(w io.Writer) error {
	sw := s.Sweep
	fmt.Fprintf(w, "sweep %d %q (%s), created %s\n", sw.ID, sw.Name, sw.File, sw.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	counts := s.Counts()
	var parts []string
	for _, st := range statusOrder {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	fmt.Fprintf(w, "trials: %d: %s\n", len(s.Trials), strings.Join(parts, ", "))
	s.writeBest(w)
	if th := s.Throughput; th.Elapsed > 0 {
		fmt.Fprintf(w, "throughput: %.1f epochs/hour (%d epochs in %s)\n", th.EpochsPerHour(), th.Done, Duration(th.Elapsed.Seconds()))
		if th.Left > 0 {
			fmt.Fprintf(w, "ETA: %d epochs left, about %s at that rate\n", th.Left, Duration(th.ETA().Seconds()))
		}
	}
	fmt.Fprintln(w)
	return s.writeTrials(w)
}

// writeBest prints the best trial so far and its curve.
func (s *Status) writeBest(w io.Writer) {
	best, m := s.Best, s.Metric
	if best == nil {
		return
	}
	fmt.Fprintf(w, "best so far: trial %d (run %d", best.Run.Trial, best.Run.ID)
	if p := record.FormatParams(best.Run.Params); p != "" {
		fmt.Fprintf(w, ", %s", p)
	}
	fmt.Fprintf(w, "): %s %s at epoch %d\n", m, FormatMetric(m, best.Best), best.BestEpoch)
	var curve []float64
	for _, e := range best.Epochs {
		if v := m.Of(e); v != nil {
			curve = append(curve, *v)
		}
	}
	if n := len(curve); n > 1 {
		fmt.Fprintf(w, "  %s by epoch: %s  %s → %s\n", m, Sparkline(curve, 60), FormatMetric(m, &curve[0]), FormatMetric(m, &curve[n-1]))
	}
}

// writeTrials prints a table of the trials with their best value of the
// metric (accuracy shortened to acc in the header).
func (s *Status) writeTrials(w io.Writer) error {
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header("trial", "run", "status", "epochs", "best "+strings.ReplaceAll(string(s.Metric), "accuracy", "acc"), "params")
	for _, tr := range s.Trials {
		r := s.Rows[tr.ID]
		best := "—"
		if r.Best != nil {
			best = fmt.Sprintf("%s (%d)", FormatMetric(s.Metric, r.Best), r.BestEpoch)
		}
		if err := t.Append(fmt.Sprint(tr.Trial), fmt.Sprint(tr.ID), string(tr.Status), fmt.Sprintf("%d/%d", len(r.Epochs), tr.Epochs), best, record.FormatParams(tr.Params)); err != nil {
			return err
		}
	}
	return t.Render()
}
