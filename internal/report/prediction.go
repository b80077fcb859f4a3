package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/confusion"
	"github.com/exp-runner/exp/internal/htmlreport"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/record"
)

// RunReader is what the reports about a run's best model (exp show's
// extras, the confusion matrices of exp report and exp serve) and the
// prediction commands read: the run's sweep (whose config file's folder
// holds relative data paths), its epochs, its stored confusion matrix and
// its evaluations.
type RunReader interface {
	Sweep(ctx context.Context, id int64) (*record.Sweep, error)
	Epochs(ctx context.Context, runID int64) ([]*record.Epoch, error)
	Confusion(ctx context.Context, id int64) (string, error)
	Evaluations(ctx context.Context, id int64) ([]*record.Evaluation, error)
}

// RunConfig parses run r's stored config, validating it against its data
// as training did.
func RunConfig(ctx context.Context, store RunReader, r *record.Run) (*config.Config, error) {
	dir := ""
	if r.SweepID != 0 {
		sw, err := store.Sweep(ctx, r.SweepID)
		if err != nil {
			return nil, err
		}
		dir = filepath.Dir(sw.File) // relative data paths are the config file's
	}
	cfg, err := config.ParseWith(fmt.Sprintf("run %d's config", r.ID), []byte(r.ConfigYAML), config.Options{Dir: dir, Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("run %d's stored config: %w", r.ID, err)
	}
	return cfg, nil
}

// WriteRunPrediction writes what exp show adds about prediction for run r:
// where its best checkpoint is and from which epoch, the per-class metrics
// and confusion matrix of its best epoch, and its evaluations.
func WriteRunPrediction(ctx context.Context, w io.Writer, store RunReader, r *record.Run, root string) error {
	cfg, cfgErr := RunConfig(ctx, store, r)
	epochs, err := store.Epochs(ctx, r.ID)
	if err != nil {
		return err
	}
	var classes []string
	if cfgErr == nil {
		best, err := infer.FindBest(r, cfg, epochs, root)
		switch {
		case err == nil:
			fmt.Fprintf(w, "\nBest model: epoch %d by %s (%.4f), %s\n", best.Epoch, best.Metric, best.Value, best.Path)
		case errors.Is(err, infer.ErrNoBest) && best != nil:
			fmt.Fprintf(w, "\nBest model: none: epoch %d is the best by %s (%.4f), but its checkpoint %s is missing from the checkpoints folder\n",
				best.Epoch, best.Metric, best.Value, filepath.Join(filepath.Base(filepath.Dir(best.Path)), filepath.Base(best.Path)))
		case errors.Is(err, infer.ErrNoBest):
			fmt.Fprintf(w, "\nBest model: none (no epoch finished)\n")
		default:
			return err
		}
		pre, _ := infer.RunPreprocessing(r, cfg)
		classes, _ = infer.ClassNames(cfg, pre)
	}
	stored, err := store.Confusion(ctx, r.ID)
	if err != nil {
		return err
	}
	cm, err := confusion.Decode(stored)
	if err != nil {
		return err
	}
	if cm != nil {
		writeClassReport(w, cm, classes)
	}
	evs, err := store.Evaluations(ctx, r.ID)
	if err != nil {
		return err
	}
	writeEvaluations(w, evs)
	return nil
}

// classLabels returns the class names, or the label numbers, for n classes.
func classLabels(classes []string, n int) []string {
	if len(classes) == n {
		return classes
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

func writeClassReport(w io.Writer, st *confusion.Stored, classes []string) {
	names := classLabels(classes, len(st.Matrix))
	fmt.Fprintf(w, "\nPer-class metrics (validation set, epoch %d):\n", st.Epoch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tprecision\trecall\tf1\tsupport\t")
	for i, c := range st.Matrix.Classes() {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", names[i], c.Precision, c.Recall, c.F1, c.Support)
	}
	macro, weighted := st.Matrix.Averages()
	for _, a := range []struct {
		name string
		c    confusion.Class
	}{{"macro avg", macro}, {"weighted avg", weighted}} {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", a.name, a.c.Precision, a.c.Recall, a.c.F1, a.c.Support)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nConfusion matrix (rows: true class, columns: predicted; %d examples):\n", st.Matrix.Total())
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t\n", strings.Join(names, "\t"))
	for i, row := range st.Matrix {
		cells := make([]string, len(row))
		for k, v := range row {
			cells[k] = fmt.Sprint(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", names[i], strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func writeEvaluations(w io.Writer, evs []*record.Evaluation) {
	if len(evs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEvaluations:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tdata\tloss\taccuracy\tmse\tmae\trmse\tr2\tcreated")
	for _, ev := range evs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.ID, ev.Data, num(ev.Loss), num(ev.Accuracy),
			num(ev.MSE), num(ev.MAE), num(ev.RMSE), num(ev.R2), ev.CreatedAt.UTC().Format("2006-01-02 15:04:05"))
	}
	tw.Flush()
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *p)
}

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
			pre, _ := infer.RunPreprocessing(r, cfg)
			classes, _ = infer.ClassNames(cfg, pre)
		}
		title := fmt.Sprintf("confusion matrix: run %d (%s), epoch %d, validation set", r.ID, r.Name, st.Epoch)
		out = append(out, htmlreport.Heatmap(title, classLabels(classes, len(st.Matrix)), st.Matrix))
	}
	return out, nil
}
