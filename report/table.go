package report

import (
	"fmt"
	"io"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/exp-runner/exp/results"
)

// RunsTable writes one row per run summary, in the order given: id, name,
// model, optimizer, learning rate, batch size, best val_accuracy and its
// epoch, final val_accuracy, epochs done/planned, training time, status.
func RunsTable(w io.Writer, sums []*results.RunSummary) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: []tw.Align{
			tw.AlignRight, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight,
			tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft,
		}}),
	)
	t.Header("id", "name", "model", "optimizer", "lr", "batch", "best val_acc", "best epoch", "final val_acc", "epochs", "time", "status")
	for _, s := range sums {
		r := s.Run
		best := ""
		if s.BestEpoch > 0 {
			best = fmt.Sprint(s.BestEpoch)
		}
		if err := t.Append(
			fmt.Sprint(r.ID), r.Name, r.ModelName, r.Optimizer, FormatFloat(r.LearningRate), fmt.Sprint(r.BatchSize),
			percent(s.BestValAccuracy), best, percent(s.FinalValAccuracy),
			fmt.Sprintf("%d/%d", s.EpochsDone, r.Epochs), Duration(s.Seconds), string(r.Status),
		); err != nil {
			return err
		}
	}
	return t.Render()
}

// percent formats an accuracy as a percentage with two decimals, or "—".
func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", 100**v)
}

// FormatFloat formats a hyperparameter value compactly: 0.0001 as 1e-04, 0.5 as 0.5.
func FormatFloat(f float64) string {
	if f != 0 && (f < 1e-3 || f >= 1e5) {
		return fmt.Sprintf("%.0e", f)
	}
	return fmt.Sprintf("%g", f)
}

// Duration formats seconds as 42s, 3m05s or 2h07m.
func Duration(secs float64) string {
	d := time.Duration(secs * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// FormatValue formats a hyperparameter value of any type: floats as
// FormatFloat does, other values as fmt does.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return FormatFloat(x)
	case float32:
		return FormatFloat(float64(x))
	case nil:
		return "—"
	}
	return fmt.Sprint(v)
}
