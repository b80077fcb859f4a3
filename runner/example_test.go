package runner_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/exp-runner/exp/results"
	"github.com/exp-runner/exp/runner"
)

// Example trains configs/linear.yaml (y = 3x + 2 + noise, fitted by
// gradient descent) into a new SQLite database, in this process, and prints
// the fitted line and the last epoch recorded.
func Example() {
	dir, err := os.MkdirTemp("", "runner-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "runs.db")

	ctx := context.Background()
	out, err := runner.Run(ctx, "../configs/linear.yaml", runner.Options{DB: db, Epochs: 50})
	if err != nil {
		log.Fatal(err)
	}
	t := out.Trials[0]
	fmt.Printf("trial %d %s: w=%.2f b=%.2f\n", t.Trial, t.Status, t.Summary["w"], t.Summary["b"])

	rs, err := results.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer rs.Close()
	epochs, err := rs.Epochs(ctx, t.ID)
	if err != nil {
		log.Fatal(err)
	}
	last := epochs[len(epochs)-1]
	fmt.Printf("%d epochs recorded, final loss %.2f\n", len(epochs), *last.Loss)
	// Output:
	// trial 1 completed: w=3.02 b=2.02
	// 50 epochs recorded, final loss 1.00
}
