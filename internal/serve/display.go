package serve

import (
	"fmt"
	"strings"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
)

// statusOrder is the order in which trials are counted by status.
var statusOrder = []record.Status{record.StatusCompleted, record.StatusPruned, record.StatusRunning, record.StatusPending,
	record.StatusInterrupted, record.StatusFailed, record.StatusDiverged}

// countsText is "3 completed, 1 running, 6 pending".
func countsText(counts map[string]int) string {
	var parts []string
	for _, st := range statusOrder {
		if n := counts[string(st)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// bestText is "98.06% (trial 3, run 12, epoch 7)" or "—".
func bestText(s SweepSummary) string {
	if s.Best == nil {
		return "—"
	}
	return fmt.Sprintf("%s (trial %d, run %d, epoch %d)", s.Best.Text, s.Best.Trial, s.Best.RunID, s.Best.Epoch)
}

// etaText is "about 2h07m (130 epochs left)", "done" or "—".
func etaText(s SweepSummary) string {
	switch {
	case s.Left == 0:
		return "done"
	case s.ETASeconds <= 0:
		return fmt.Sprintf("— (%d epochs left)", s.Left)
	}
	return fmt.Sprintf("about %s (%d epochs left)", report.Duration(s.ETASeconds), s.Left)
}

func timeText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// sweepsDisplay is the index's table of sweeps.
func sweepsDisplay(sweeps []SweepSummary) Display {
	t := Table{Columns: []string{"id", "sweep", "file", "trials", "best so far", "started", "ETA"}, Rows: [][]Cell{}, Best: -1}
	for _, s := range sweeps {
		href := fmt.Sprintf("/sweeps/%d", s.ID)
		t.Rows = append(t.Rows, []Cell{
			{Text: fmt.Sprint(s.ID), Value: s.ID, Href: href},
			{Text: s.Name, Value: s.Name, Href: href},
			{Text: s.File, Value: s.File},
			{Text: fmt.Sprintf("%d: %s", s.Trials, countsText(s.Counts))}, // the counts are in sweeps[]
			{Text: bestText(s)},
			{Text: timeText(s.CreatedAt)},
			{Text: etaText(s)},
		})
	}
	return Display{Table: t, Fields: map[string]string{"count": fmt.Sprint(len(sweeps))}}
}

// sweepFields are the sweep page's texts.
func sweepFields(s SweepSummary) map[string]string {
	return map[string]string{
		"trials": fmt.Sprintf("%d: %s", s.Trials, countsText(s.Counts)),
		"best":   bestText(s),
		"eta":    etaText(s),
		"done":   fmt.Sprint(s.Done),
		"metric": s.Metric,
	}
}

// runDisplay is the run page's table of epochs and texts.
func runDisplay(p *RunPage) Display {
	t := Table{Columns: epochColumns, Rows: [][]Cell{}, Best: -1}
	for i, e := range p.Epochs {
		var cells []Cell
		for _, c := range epochCells(e) {
			cells = append(cells, Cell{Text: c})
		}
		t.Rows = append(t.Rows, cells)
		if e.Epoch == p.BestEpoch {
			t.Best = i
		}
	}
	best, ckpt := "—", "none"
	if p.Best != nil {
		best = fmt.Sprintf("%s %s at epoch %d", p.Metric, report.FormatMetric(report.Metric(p.Metric), p.Best), p.BestEpoch)
	}
	if p.CheckpointEpoch > 0 {
		ckpt = fmt.Sprintf("epoch %d (the last recorded), in run-%d/ under the checkpoints folder", p.CheckpointEpoch, p.Run.ID)
	}
	status := p.Run.Status
	if p.Run.StopReason != "" {
		status += " (" + p.Run.StopReason + ")"
	}
	return Display{Table: t, Fields: map[string]string{
		"status":     status,
		"best":       best,
		"checkpoint": ckpt,
		"epochs":     fmt.Sprintf("%d/%d", len(p.Epochs), p.Run.Epochs),
		"finished":   finishedText(p.Run.FinishedAt),
	}}
}

func finishedText(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return timeText(*t)
}
