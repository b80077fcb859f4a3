package predict_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/infer/infertest"
	"github.com/exp-runner/exp/predict"
)

// TestTextRows exports a model of two text columns and a number, and
// predicts raw text through Rows (columns in another order, other columns
// ignored): the validation rows give the best recorded val_accuracy
// exactly, and new texts, empty or with unseen words, are predicted too.
func TestTextRows(t *testing.T) {
	dir := t.TempDir()
	infertest.TextCSV(t, dir)
	cfg := infertest.TextConfig(t, dir, "tickets", "{columns: [title, body], sequence_length: 16}", "[priority]", "3",
		"{name: t, type: embedding, output_dim: 8, mask_zero: true, inputs: [title]}", "{name: tp, type: globalavgpool1d}",
		"{name: b, type: embedding, output_dim: 8, mask_zero: true, inputs: [body]}", "{name: bp, type: globalmaxpool1d}",
		"{type: concat, inputs: [tp, bp, features]}", "{type: dense, units: 3, activation: softmax}")
	model := filepath.Join(dir, "model")
	epochs := infertest.Export(t, cfg, model)
	m, err := predict.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	header, rows := readCSV(t, filepath.Join(dir, "tickets-val.csv"))
	names := []string{"body", "label", "priority", "title"}
	preds, err := m.Predict(context.Background(), predict.Rows(names, reorder(header, rows, names)))
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, p := range preds {
		if p.Label == rows[i][4] {
			correct++
		}
	}
	best := 0.0
	for _, e := range epochs {
		best = max(best, *e.ValAccuracy)
	}
	if got := float64(correct) / float64(len(rows)); got != best || best < 0.9 {
		t.Errorf("accuracy of the predictions %v, want the best recorded val_accuracy %v (≥ 0.9)", got, best)
	}
	fresh := [][]string{
		{"My VPN drops, the router reboots", "3", "internet down"},
		{"", "1", ""},
		{"zzz qqq unseen words", "2", "NA"},
	}
	preds, err = m.Predict(context.Background(), predict.Rows([]string{"body", "priority", "title"}, fresh))
	if err != nil || len(preds) != 3 {
		t.Fatalf("fresh texts: %v, %d predictions", err, len(preds))
	}
	if preds[0].Label != "network" {
		t.Errorf("a ticket about a VPN and a router is %q, want network", preds[0].Label)
	}
	if _, err := m.Predict(context.Background(), predict.Rows([]string{"title", "priority"}, [][]string{{"x", "1"}})); err == nil {
		t.Error("rows without the body column were predicted")
	}
	// model.json's inputs must agree with the preprocessing's vocabularies.
	meta := filepath.Join(model, "model.json")
	b, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`"vocabulary": \d+`).ReplaceAll(b, []byte(`"vocabulary": 7`))
	if err := os.WriteFile(meta, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := predict.Load(model); err == nil || !strings.Contains(err.Error(), "data.Inputs: title (int32 [16], vocabulary 7), body (int32 [16], vocabulary 7), features (float32 [1]), but") {
		t.Errorf("a model.json whose vocabularies disagree with the preprocessing: %v", err)
	}
}
