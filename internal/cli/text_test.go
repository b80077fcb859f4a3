package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer/infertest"
)

// textModels are models of TextCSV's support tickets, one per kind a text
// user expects: an embedding with pooling (the body alone), a
// bidirectional LSTM over the body beside the pooled title and the
// priority (three inputs), and a transformer block.
var textModels = []struct {
	name, text, features string
	layers               []string
}{
	{"pool", "{columns: [body], sequence_length: 24}", "[]", []string{
		"{type: embedding, output_dim: 16, mask_zero: true}", "{type: globalavgpool1d}",
		"{type: dense, units: 3, activation: softmax}"}},
	{"bilstm", "{columns: [title, body], sequence_length: 24}", "[priority]", []string{
		"{name: t, type: embedding, output_dim: 16, mask_zero: true, inputs: [title]}", "{name: tp, type: globalmaxpool1d}",
		"{name: b, type: embedding, output_dim: 16, mask_zero: true, inputs: [body]}",
		"{name: rnn, type: lstm, units: 16, bidirectional: true}",
		"{type: concat, inputs: [tp, rnn, features]}", "{type: dense, units: 3, activation: softmax}"}},
	{"transformer", "{columns: [body], sequence_length: 24}", "[]", []string{
		"{type: embedding, output_dim: 16, mask_zero: true}", "{type: positionembedding}",
		"{type: transformer, num_heads: 2, intermediate_dim: 32}", "{type: globalavgpool1d}",
		"{type: dense, units: 3, activation: softmax}"}},
}

// TestTextEndToEnd trains each text model from YAML through exp run, then
// checks: its best val_accuracy reaches a floor (chance: 1/3); exp predict
// on the raw validation file, with --format csv, keeps the user's other
// columns and reproduces that val_accuracy exactly, as does exp evaluate;
// and the same predictions come through an exported model folder.
func TestTextEndToEnd(t *testing.T) {
	dir := t.TempDir()
	_, val := infertest.TextCSV(t, dir)
	for i, tm := range textModels {
		t.Run(tm.name, func(t *testing.T) {
			db := filepath.Join(dir, tm.name+".db")
			cfg := infertest.TextConfig(t, dir, tm.name, tm.text, tm.features, "4", tm.layers...)
			mustRun(t, "run", cfg, "--db", db)
			_, best := bestEpoch(t, db, "val_accuracy")
			if best < 0.9 {
				t.Errorf("best val_accuracy %.4f, want ≥ 0.9", best)
			}
			rows := readCSVFile(t, writeOutput(t, dir, tm.name+"-pred.csv", "predict", "1", val, "--format", "csv", "--db", db))
			if h := rows[0]; h[0] != "row" || !slices.Contains(h, "id") || !slices.Contains(h, "prediction") || slices.Contains(h, "body") {
				t.Fatalf("header %v: want row, the user's other columns (id, …) but not the text columns the model reads, then the prediction", h)
			}
			if got := predictedAccuracy(t, rows); got != best {
				t.Errorf("accuracy of exp predict's output %v, want the best recorded val_accuracy %v", got, best)
			}
			if got := evaluatedAccuracy(t, "1", "--data", "path="+val, "--db", db); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", best) {
				t.Errorf("exp evaluate: accuracy %v, want %v", got, best)
			}
			if i != 1 {
				return
			}
			folder := filepath.Join(dir, "model")
			mustRun(t, "export-model", "1", "-o", folder, "--db", db)
			again := readCSVFile(t, writeOutput(t, dir, "folder-pred.csv", "predict", folder, val, "--format", "csv"))
			if !slices.EqualFunc(again, rows, slices.Equal) {
				t.Error("the exported folder predicts otherwise than the run")
			}
		})
	}
}

// predictedAccuracy is the share of rows of exp predict's CSV output whose
// prediction is the label.
func predictedAccuracy(t *testing.T, rows [][]string) float64 {
	t.Helper()
	label, pred := slices.Index(rows[0], "label"), slices.Index(rows[0], "prediction")
	correct := 0
	for _, r := range rows[1:] {
		if r[label] == r[pred] {
			correct++
		}
	}
	return float64(correct) / float64(len(rows)-1)
}

// TestValidateText checks exp validate's description of text columns and
// of a model of several inputs (golden).
func TestValidateText(t *testing.T) {
	dir := t.TempDir()
	infertest.TextCSV(t, dir)
	tm := textModels[1]
	cfg := infertest.TextConfig(t, dir, tm.name, tm.text, tm.features, "4", tm.layers...)
	out := mustRun(t, "validate", cfg)
	golden(t, "validate_text.golden", strings.ReplaceAll(out, dir, "TMP"))
}
