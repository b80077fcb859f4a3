package predict_test

import (
	"context"
	"fmt"
	"log"

	"github.com/exp-runner/exp/predict"
)

// A model exported with `exp export-model RUN -o testdata/species`, trained
// on CSV rows with features x1, color and x2, predicts the species of new
// rows; their columns may come in any order, and others are ignored.
func ExampleModel_Predict() {
	m, err := predict.Load("testdata/species")
	if err != nil {
		log.Fatal(err)
	}
	rows := [][]string{
		{"red", "1.5", "0.9", "row-1"},
		{"blue", "1.2", "-1.4", "row-2"},
		{"red", "-1.1", "-0.2", "row-3"},
	}
	preds, err := m.Predict(context.Background(), predict.Rows([]string{"color", "x1", "x2", "name"}, rows))
	if err != nil {
		log.Fatal(err)
	}
	for i, p := range preds {
		fmt.Printf("%s: %s (p = %.2f)\n", rows[i][3], p.Label, p.Probability)
	}
	// Output:
	// row-1: a (p = 0.98)
	// row-2: b (p = 0.95)
	// row-3: c (p = 0.89)
}

// Load describes the model: its classes, its inputs after preprocessing and
// the epoch whose weights it holds.
func ExampleLoad() {
	m, err := predict.Load("testdata/species")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Classes(), m.InputShape(), m.Epoch())
	// Output: [a b c] [4] 3
}

// Tensors takes inputs already preprocessed, example after example: here
// one row of the four model inputs: x1 standardized, color one-hot
// (blue, red), x2 standardized.
func ExampleTensors() {
	m, err := predict.Load("testdata/species")
	if err != nil {
		log.Fatal(err)
	}
	preds, err := m.Predict(context.Background(), predict.Tensors([]float32{2, 0, 1, 2}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(preds[0].Label, len(preds[0].Probabilities))
	// Output: a 3
}
