package tabular_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp/internal/tabular"
)

// Example trains on a CSV with a stratified validation split, stores the
// preprocessing as JSON, and later applies it to new rows for prediction.
func Example() {
	dir, err := os.MkdirTemp("", "tabular-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	train := filepath.Join(dir, "iris.csv")
	rows := "petal,color,species\n"
	for i := range 20 {
		rows += fmt.Sprintf("%d.5,%s,%s\n", i%7, []string{"red", "blue"}[i%2], []string{"setosa", "versicolor"}[i%2])
	}
	if err := os.WriteFile(train, []byte(rows), 0o644); err != nil {
		panic(err)
	}
	l, err := tabular.Load(context.Background(), tabular.Spec{Path: train, Fit: tabular.FitOptions{Target: "species"}, ValidationSplit: 0.2})
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Pre.Task, "—", l.Pre.TaskReason)
	fmt.Println(l.Pre.Classes, l.Pre.InputNames())
	fmt.Println("train", l.Train.N(), "val", l.Val.N(), "width", l.Train.Width)

	stored, err := json.Marshal(l.Pre)
	if err != nil {
		panic(err)
	}
	pre, err := tabular.ParsePreprocessing(stored)
	if err != nil {
		panic(err)
	}
	newRows := filepath.Join(dir, "new.csv")
	if err := os.WriteFile(newRows, []byte("id,color,petal\n1,blue,2.5\n2,red,\n"), 0o644); err != nil {
		panic(err)
	}
	t, err := tabular.ReadFile(context.Background(), newRows, tabular.ReadOptions{})
	if err != nil {
		panic(err)
	}
	_, err = pre.Apply(t, false)
	fmt.Println(filepath.Base(err.Error()))
	// Output:
	// classification — inferred: column "species" has non-numeric values, e.g. "setosa" at iris.csv:2
	// [setosa versicolor] [petal color=blue color=red]
	// train 16 val 4 width 3
	// new.csv:3: column "petal": missing value (set missing: mean or drop)
}
