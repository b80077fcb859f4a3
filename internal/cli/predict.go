package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/report"
	"github.com/exp-runner/exp/internal/resultdb"
)

func init() {
	register("predict", &command{
		summary: "predict with a run's best model (or an exported model folder)",
		usage: `Usage: exp predict [--db PATH] RUN|DIR [INPUT...] [--split val] [--format table|csv|json] [-o FILE] [--top-k K]

Runs the best model of a run (the weights of its best epoch, the one exp
table reports) on new inputs and prints one row per example, in input order:
an identifier (row: the CSV's physical line, header = 1; path for images;
index for idx files and the validation set), the inputs' other columns,
prediction (a class name, or the value for regression), and for
classification its probability and, in csv and json, one p_<class> column
per class. RUN is a run's id or a name only one run has; an existing folder
is a model folder written by exp export-model (no database needed).

INPUT is what the run's dataset takes: CSV files (csv: columns by name, in
any order), image files or folders (images; mnist), idx files (mnist: an
images file, optionally followed by its labels file).

Flags:
	--db PATH           results database (default $EXP_DB, else ./runs.db)
	--checkpoints DIR   the runs' checkpoints (default: beside the database)
	--split val         predict the run's own validation set
	--format F          table (default), csv or json
	-o FILE             write to FILE (atomically) instead of standard output
	--top-k K           list the K most likely classes

Examples:
	exp predict 3 new.csv
	exp predict 3 --split val --format csv -o val.csv
	exp predict model/ digits/ --top-k 3
`,
		run: (*Main).runPredict,
	})
	register("evaluate", &command{
		summary: "score a run's best model on other data, and record it",
		usage: `Usage: exp evaluate [--db PATH] RUN|DIR [--data key=value]...

Scores the best model of a run (or a model folder) on a dataset of the same
kind (--data path=test.csv; for mnist idx files also labels=FILE), or on the
run's validation set when no --data is given, and prints the loss and
accuracy (regression: MSE, MAE, RMSE and R²). For a run the result is
recorded in the evaluations table (exp show lists them); for a model folder
only when --db is given. An output or loss that is NaN or infinite (inputs
far outside the training data) is no score: it is an error naming the
examples, and nothing is recorded.

Flags:
	--db PATH           results database (default $EXP_DB, else ./runs.db)
	--checkpoints DIR   the runs' checkpoints (default: beside the database)
	--data key=value    the data to score (repeatable)

Examples:
	exp evaluate 3 --data path=test.csv
	exp evaluate 3
`,
		run: (*Main).runEvaluate,
	})
	register("export-model", &command{
		summary: "write a run's best model as a self-contained folder",
		usage: `Usage: exp export-model [--db PATH] RUN -o DIR

Writes the best model of a run as a folder that exp predict, exp evaluate
and the Go package github.com/exp-runner/exp/predict load without the
database: the resolved config, the preprocessing, the best epoch's weights,
a README, and model.json with a format version and each file's size and
SHA-256, which loading checks.

Flags:
	--db PATH           results database (default $EXP_DB, else ./runs.db)
	--checkpoints DIR   the runs' checkpoints (default: beside the database)
	-o DIR              the folder to write (must not exist, or be empty)

Examples:
	exp export-model 3 -o model
`,
		run: (*Main).runExportModel,
	})
}

func (m *Main) runPredict(ctx context.Context, args []string) error {
	fs := m.newFlagSet("predict")
	db, ckpt := fs.String("db", "", ""), fs.String("checkpoints", "", "")
	split, format := fs.String("split", "", ""), fs.String("format", "table", "")
	out, topK := fs.String("o", "", ""), fs.Int("top-k", 0, "")
	pos, err := m.parse(fs, "predict", args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usageError("exp predict: expected a run (an id or a name) or a model folder")
	case *split != "" && *split != "val":
		return usageError("exp predict: --split must be val, got %q", *split)
	case *format != "table" && *format != "csv" && *format != "json":
		return usageError("exp predict: --format must be table, csv or json, got %q", *format)
	case *topK < 0:
		return usageError("exp predict: --top-k must be ≥ 0, got %d", *topK)
	}
	model, t, err := m.openModel(ctx, *db, *ckpt, pos[0], false)
	if err != nil {
		return err
	}
	defer t.close()
	table, err := infer.Predict(ctx, model, infer.PredictOptions{Inputs: pos[1:], SplitVal: *split == "val", Probs: *format != "table", TopK: *topK})
	if err != nil {
		return usageError("exp predict: %v", err)
	}
	for _, w := range table.Warnings {
		fmt.Fprintln(m.Stderr, w)
	}
	return m.writeOutput(*out, func(w io.Writer) error { return table.Write(w, *format) })
}

func (m *Main) runEvaluate(ctx context.Context, args []string) error {
	fs := m.newFlagSet("evaluate")
	db, ckpt := fs.String("db", "", ""), fs.String("checkpoints", "", "")
	var kvs multiFlag
	fs.Var(&kvs, "data", "")
	pos, err := m.parse(fs, "evaluate", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("exp evaluate: expected one run (an id or a name) or a model folder, got %d arguments", len(pos))
	}
	kv := map[string]string{}
	for _, s := range kvs {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return usageError("exp evaluate: --data wants key=value, got %q", s)
		}
		kv[k] = v
	}
	model, t, err := m.openModel(ctx, *db, *ckpt, pos[0], *db != "")
	if err != nil {
		return err
	}
	defer t.close()
	ev, err := infer.Evaluate(ctx, model, kv)
	if err != nil {
		return usageError("exp evaluate: %v", err)
	}
	infer.WriteScores(m.Stdout, ev)
	return t.record(ctx, ev)
}

func (m *Main) runExportModel(ctx context.Context, args []string) error {
	fs := m.newFlagSet("export-model")
	db, ckpt, out := fs.String("db", "", ""), fs.String("checkpoints", "", ""), fs.String("o", "", "")
	pos, err := m.parse(fs, "export-model", args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageError("exp export-model: expected one run and -o DIR")
	}
	model, t, err := m.openModel(ctx, *db, *ckpt, pos[0], false)
	if err != nil {
		return err
	}
	defer t.close()
	if t.best == nil {
		return usageError("exp export-model: %s is already a model folder", pos[0])
	}
	if err := infer.Export(model, t.best, t.run.Name, *out); err != nil {
		return usageError("exp export-model: %v", err)
	}
	fmt.Fprintf(m.Stderr, "wrote %s (run %d, epoch %d, %s %.4f)\n", *out, t.run.ID, t.best.Epoch, t.best.Metric, t.best.Value)
	return nil
}

// modelTarget is what a RUN|DIR argument named, and where an evaluation
// is recorded (store nil: nowhere).
type modelTarget struct {
	store *resultdb.DB
	run   *record.Run
	best  *infer.Best
	meta  *infer.Meta
}

// openModel opens the best model of run ref, or the model folder ref. A
// folder's evaluation is recorded (against its run id) only with keepDB.
func (m *Main) openModel(ctx context.Context, db, ckpt, ref string, keepDB bool) (*infer.Model, *modelTarget, error) {
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		model, meta, err := infer.OpenFolder(ref)
		if err != nil {
			return nil, nil, usageError("exp: %v", err)
		}
		for _, w := range meta.Warnings {
			fmt.Fprintln(m.Stderr, w)
		}
		t := &modelTarget{meta: meta}
		if keepDB {
			if t.store, err = resultdb.OpenExisting(ctx, m.dbPath(db)); err != nil {
				return nil, nil, usageError("exp: %v", err)
			}
		}
		return model, t, nil
	}
	store, err := resultdb.OpenExisting(ctx, m.dbPath(db))
	if err != nil {
		return nil, nil, usageError("exp: %v", err)
	}
	r, err := findRun(ctx, store, ref)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	root, err := checkpointsRoot(store.Path(), ckpt)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	model, best, err := openRun(ctx, store, r, root)
	if err != nil {
		store.Close()
		return nil, nil, usageError("exp: %v", err)
	}
	return model, &modelTarget{store: store, run: r, best: best}, nil
}

// close closes the target's store, if any.
func (t *modelTarget) close() {
	if t.store != nil {
		t.store.Close()
	}
}

// record stores ev as an evaluation of the target's run, if it has a store.
func (t *modelTarget) record(ctx context.Context, ev *infer.Evaluation) error {
	if t.store == nil {
		return nil
	}
	id := int64(0)
	switch {
	case t.run != nil:
		id = t.run.ID
	case t.meta != nil:
		id = t.meta.RunID
	}
	err := t.store.AddEvaluation(ctx, evaluationRow(ev, id))
	if errors.Is(err, resultdb.ErrNotFound) {
		return usageError("exp evaluate: the model folder's run %d is not in %s: nothing recorded", id, t.store.Path())
	}
	return err
}

// openRun opens run r's best model, whose checkpoints are under root.
func openRun(ctx context.Context, store report.RunReader, r *record.Run, root string) (*infer.Model, *infer.Best, error) {
	cfg, err := report.RunConfig(ctx, store, r)
	if err != nil {
		return nil, nil, err
	}
	epochs, err := store.Epochs(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	best, err := infer.FindBest(r, cfg, epochs, root)
	if err != nil {
		return nil, nil, err
	}
	pre, err := infer.RunPreprocessing(r, cfg)
	if err != nil {
		return nil, nil, err
	}
	m, err := infer.Open(cfg, pre, best.Path)
	if err != nil {
		return nil, nil, err
	}
	return m, best, nil
}

// evaluationRow returns ev as a row of the evaluations table for run runID.
func evaluationRow(ev *infer.Evaluation, runID int64) *record.Evaluation {
	sc := ev.Scores
	loss := sc.Loss
	return &record.Evaluation{RunID: runID, Data: ev.Data, DataHash: ev.DataHash, Loss: &loss,
		Accuracy: sc.Accuracy, MSE: sc.MSE, MAE: sc.MAE, RMSE: sc.RMSE, R2: sc.R2}
}
