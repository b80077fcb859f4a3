package infer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/infer"
	"github.com/exp-runner/exp/internal/infer/infertest"
	"github.com/exp-runner/exp/internal/record"
)

// best returns the best of epochs by metric: the epoch and its value.
func best(t *testing.T, epochs []record.Epoch, metric string) record.Epoch {
	t.Helper()
	n := record.BestEpoch(epochs, metric)
	if n == 0 {
		t.Fatalf("no epoch has %s", metric)
	}
	return epochs[n-1]
}

// classes is infertest's three-class CSV problem, trained and exported.
type classes struct {
	dir, cfgPath, folder string
	epochs               []record.Epoch // as training recorded them
	m                    *infer.Model   // the folder reopened
	meta                 *infer.Meta
}

// exportClasses trains infertest's three-class CSV problem in a fresh
// folder, exports its best epoch and reopens the model folder.
func exportClasses(t *testing.T) *classes {
	t.Helper()
	c := &classes{dir: t.TempDir()}
	c.cfgPath, c.folder = infertest.ClassesCSV(t, c.dir), filepath.Join(c.dir, "model")
	c.epochs = infertest.Export(t, c.cfgPath, c.folder)
	var err error
	if c.m, c.meta, err = infer.OpenFolder(c.folder); err != nil {
		t.Fatal(err)
	}
	return c
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestClassifier trains a small classifier, exports its best epoch, reopens
// the folder, and checks that scoring and predicting through the folder
// give what training recorded for that epoch.
func TestClassifier(t *testing.T) {
	c := exportClasses(t)
	m, meta, dir, cfgPath, folder := c.m, c.meta, c.dir, c.cfgPath, c.folder
	ctx := context.Background()
	want := best(t, c.epochs, record.ValAccuracy)
	t.Run("meta", func(t *testing.T) {
		if meta.FormatVersion != infer.FormatVersion || meta.BestEpoch != want.Epoch || meta.Metric != record.ValAccuracy ||
			meta.Value != *want.ValAccuracy || !slices.Equal(meta.Classes, []string{"a", "b", "c"}) {
			t.Errorf("model.json: %+v; want format %d, epoch %d, val_accuracy %v, classes a,b,c",
				meta, infer.FormatVersion, want.Epoch, *want.ValAccuracy)
		}
		if !slices.Equal(m.Classes, meta.Classes) || !m.Classification() || !slices.Equal(m.Shape(), []int{4}) {
			t.Errorf("model: classes %v, shape %v; want a,b,c and [4] (x1, two colours, x2)", m.Classes, m.Shape())
		}
	})
	t.Run("scores", func(t *testing.T) {
		ev, err := infer.Evaluate(ctx, m, map[string]string{"path": filepath.Join(dir, "val.csv")})
		if err != nil {
			t.Fatal(err)
		}
		sc := ev.Scores
		if sc.N != 100 || *sc.Accuracy != *want.ValAccuracy {
			t.Errorf("%s: %d examples, accuracy %v; want val.csv's 100 at the recorded val_accuracy %v",
				ev.Data, sc.N, *sc.Accuracy, *want.ValAccuracy)
		}
		if math.Abs(sc.Loss-*want.ValLoss) > 1e-5*math.Abs(*want.ValLoss) {
			t.Errorf("loss %v, want the recorded val_loss %v", sc.Loss, *want.ValLoss)
		}
		var correct int64
		for i := range sc.Confusion {
			correct += sc.Confusion[i][i]
		}
		if sc.Confusion.Total() != 100 || float64(correct)/100 != *sc.Accuracy {
			t.Errorf("confusion matrix %v: %d examples, %d on the diagonal; want 100 and the accuracy", sc.Confusion, sc.Confusion.Total(), correct)
		}
		// The folder's frozen config has no data; the training config's
		// validation set is val.csv again, read through the dataset.
		if _, err := infer.Evaluate(ctx, m, nil); err == nil {
			t.Error("a model folder scored a validation set it does not carry")
		}
		cfg, err := config.Parse(cfgPath, must(os.ReadFile(cfgPath)), nil)
		if err != nil {
			t.Fatal(err)
		}
		pre, err := infer.RunPreprocessing(nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		run, err := infer.Open(cfg, pre, filepath.Join(folder, infer.WeightsDir))
		if err != nil {
			t.Fatal(err)
		}
		val, err := infer.Evaluate(ctx, run, nil)
		if err != nil {
			t.Fatal(err)
		}
		if val.Data != "validation set" || *val.Scores.Accuracy != *sc.Accuracy || val.DataHash != ev.DataHash {
			t.Errorf("%s scored %v (hash %.12s), val.csv %v (hash %.12s); want the same examples and scores",
				val.Data, *val.Scores.Accuracy, val.DataHash, *sc.Accuracy, ev.DataHash)
		}
	})
	t.Run("predict", func(t *testing.T) {
		val := filepath.Join(dir, "val.csv")
		tab, err := infer.Predict(ctx, m, infer.PredictOptions{Inputs: []string{val}, Probs: true, TopK: 2})
		if err != nil {
			t.Fatal(err)
		}
		cols := []string{"row", "id", "species", "prediction", "probability", "p_a", "p_b", "p_c", "top_k"}
		if !slices.Equal(tab.Columns, cols) || len(tab.Rows) != 100 {
			t.Fatalf("columns %v, %d rows; want %v and 100", tab.Columns, len(tab.Rows), cols)
		}
		correct := 0
		for i, r := range tab.Rows {
			if r[0] != strconv.Itoa(i+2) { // the header is line 1
				t.Fatalf("row %d is line %s, want %d", i, r[0], i+2)
			}
			if r[2] == r[3] {
				correct++
			}
			if top := strings.Fields(r[8]); len(top) != 2 || !strings.HasPrefix(top[0], r[3]+":") {
				t.Fatalf("row %d: top_k %q does not start with the prediction %s", i, r[8], r[3])
			}
		}
		if got := float64(correct) / 100; got != *want.ValAccuracy {
			t.Errorf("predictions match species in %v of the rows, want the recorded val_accuracy %v", got, *want.ValAccuracy)
		}
		var b bytes.Buffer
		if err := tab.Write(&b, "csv"); err != nil {
			t.Fatal(err)
		}
		all, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(all) != 101 || !slices.Equal(all[0], cols) || !slices.Equal(all[1], tab.Rows[0]) {
			t.Errorf("CSV: %d records, %v; want the header and 100 rows", len(all), err)
		}
		b.Reset()
		if err := tab.Write(&b, "json"); err != nil {
			t.Fatal(err)
		}
		var objs []map[string]any
		if err := json.Unmarshal(b.Bytes(), &objs); err != nil || len(objs) != 100 {
			t.Fatalf("JSON: %d objects, %v", len(objs), err)
		}
		if _, ok := objs[0]["p_a"].(float64); !ok || objs[0]["prediction"] != tab.Rows[0][3] || objs[0]["row"] != 2.0 {
			t.Errorf("JSON object %v: want numbers for p_a and row, the prediction as text", objs[0])
		}
	})
}

// TestRegression: the exported regression's scores on the validation file
// are the recorded val_loss (its loss is mse), and the other metrics agree.
func TestRegression(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "model")
	epochs := infertest.Export(t, infertest.RegressionCSV(t, dir), folder)
	m, _, err := infer.OpenFolder(folder)
	if err != nil {
		t.Fatal(err)
	}
	want := best(t, epochs, record.ValLoss)
	ev, err := infer.Evaluate(context.Background(), m, map[string]string{"path": filepath.Join(dir, "rval.csv")})
	if err != nil {
		t.Fatal(err)
	}
	sc := ev.Scores
	if m.Classification() || sc.Accuracy != nil || sc.MSE == nil || sc.R2 == nil {
		t.Fatalf("scores %+v: want regression metrics only", sc)
	}
	if math.Abs(*sc.MSE-*want.ValLoss) > 1e-5**want.ValLoss || math.Abs(sc.Loss-*want.ValLoss) > 1e-5**want.ValLoss {
		t.Errorf("mse %v, loss %v; want the recorded val_loss %v", *sc.MSE, sc.Loss, *want.ValLoss)
	}
	if math.Abs(*sc.RMSE-math.Sqrt(*sc.MSE)) > 1e-12 || *sc.R2 < 0.9 || *sc.MAE > *sc.RMSE {
		t.Errorf("rmse %v, r2 %v, mae %v: want rmse = √mse, r2 > 0.9 for y = 2x + 0.5 + noise, mae ≤ rmse", *sc.RMSE, *sc.R2, *sc.MAE)
	}

	// A target far out of range makes the loss infinite though every
	// prediction is finite: that is no score either.
	huge := infertest.WriteCSV(t, dir, "huge.csv", "x,y\n0.5,1.5\n0.1,3e38\n")
	ev, err = infer.Evaluate(context.Background(), m, map[string]string{"path": huge})
	if !errors.Is(err, infer.ErrNaN) || !strings.Contains(err.Error(), "path="+huge+": the loss is NaN or infinite (the outputs are finite") {
		t.Errorf("an infinite loss: %+v, %v; want an error wrapping ErrNaN", ev, err)
	}
}

// TestInputErrors: bad inputs are errors that say where: the file and line
// of a bad CSV cell, the missing column, the folder that is no model.
func TestInputErrors(t *testing.T) {
	c := exportClasses(t)
	m, dir := c.m, c.dir
	ctx := context.Background()
	write := func(name, text string) string { return infertest.WriteCSV(t, dir, name, text) }
	tooNew := filepath.Join(dir, "too-new")
	if err := os.MkdirAll(tooNew, 0o755); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("too-new", infer.MetaFile), `{"format_version": 99}`)
	for _, tt := range []struct {
		name string
		run  func() error
		want []string
	}{
		{"not a number", func() error {
			_, err := m.Read(ctx, []string{write("bad.csv", "x1,color,x2\n0.5,red,1\noops,blue,2\n")})
			return err
		}, []string{"bad.csv:3", "x1", `"oops" is not a number`}},
		{"unseen category", func() error {
			_, err := m.Read(ctx, []string{write("green.csv", "x1,color,x2\n0.5,green,1\n")})
			return err
		}, []string{"green.csv:2", "color", `"green" was not seen in training`}},
		{"missing column", func() error {
			_, err := m.Read(ctx, []string{write("nox2.csv", "x1,color\n0.5,red\n")})
			return err
		}, []string{`feature "x2" is missing`}},
		{"unseen class", func() error {
			_, err := infer.Evaluate(ctx, m, map[string]string{"path": write("d.csv", "x1,color,x2,species\n0.5,red,1,d\n")})
			return err
		}, []string{"d.csv:2", "species", `class "d" was not seen in training`}},
		{"no inputs", func() error {
			_, err := infer.Predict(ctx, m, infer.PredictOptions{})
			return err
		}, []string{"no inputs"}},
		{"inputs and the validation set", func() error {
			_, err := infer.Predict(ctx, m, infer.PredictOptions{Inputs: []string{"x.csv"}, SplitVal: true})
			return err
		}, []string{"not both"}},
		{"no model folder", func() error {
			_, _, err := infer.OpenFolder(dir)
			return err
		}, []string{dir, "is not a model folder"}},
		{"newer model folder", func() error {
			_, _, err := infer.OpenFolder(tooNew)
			return err
		}, []string{"newer exp", "format 99"}},
	} {
		err := tt.run()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.name, err, w)
			}
		}
	}
}
