package infer

import (
	"context"
	"fmt"

	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/internal/htmlreport"
	"github.com/exp-runner/exp/internal/record"
)

// ConfusionFigures returns a heatmap of the stored confusion matrix of each
// of runs that has one (class names as labels), for exp report.
func ConfusionFigures(ctx context.Context, store RunReader, runs []*record.Run) ([]htmlreport.Figure, error) {
	var out []htmlreport.Figure
	for _, r := range runs {
		stored, err := store.Confusion(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		st, err := confusion.Decode(stored)
		if err != nil || st == nil {
			continue
		}
		var classes []string
		if cfg, err := RunConfig(ctx, store, r); err == nil {
			pre, _ := RunPreprocessing(r, cfg)
			classes, _ = classNames(cfg, pre)
		}
		title := fmt.Sprintf("confusion matrix: run %d (%s), epoch %d, validation set", r.ID, r.Name, st.Epoch)
		out = append(out, htmlreport.Heatmap(title, labels(classes, len(st.Matrix)), st.Matrix))
	}
	return out, nil
}
