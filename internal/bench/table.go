package bench

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable prints the rows: exp's best round per case and, with PyTorch,
// its fastest setting and the exp/PyTorch ratios.
func WriteTable(w io.Writer, rows []*Row, withTorch bool) error {
	header := []string{"model", "batch", "ms/step", "s/epoch (extrapolated)", "examples/s", "eval 10k (s)", "peak RSS (MB)", "RSS e2→e3"}
	if withTorch {
		header = append(header, "torch ms/step", "torch s/epoch", "torch eval (s)", "torch setting", "train ×", "eval ×")
	}
	t := tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
	t.Header(header)
	for _, r := range rows {
		e := r.BestExp()
		cells := []string{r.Case.Model, fmt.Sprint(r.Case.Batch), fmt.Sprintf("%.2f", e.MsPerStep), fmt.Sprintf("%.1f", e.EpochS),
			fmt.Sprintf("%.0f", e.ExamplesPS), fmt.Sprintf("%.2f", e.EvalS), fmt.Sprintf("%.0f", e.PeakRSSMB), fmt.Sprintf("%+.1f%%", 100*e.RSSGrowth)}
		if withTorch {
			if tb := r.BestTorch(); tb != nil {
				ev := r.BestTorchEval()
				cells = append(cells, fmt.Sprintf("%.2f", tb.MsPerStep), fmt.Sprintf("%.1f", tb.EpochS), fmt.Sprintf("%.2f", ev), tb.Setting,
					fmt.Sprintf("%.2f", e.EpochS/tb.EpochS), fmt.Sprintf("%.2f", e.EvalS/ev))
			}
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	return t.Render()
}
