package results_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"

	"github.com/exp-runner/exp/results"
)

// Each run's best val_accuracy, read from a small database (a sweep of
// three learning rates for an MLP, and a regression, which has no
// accuracy).
func Example() {
	ctx := context.Background()
	db, err := results.Open(ctx, "testdata/runs.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, results.Filter{})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		best, err := db.BestEpoch(ctx, r.ID, results.ValAccuracy)
		switch {
		case errors.Is(err, results.ErrNotFound):
			fmt.Printf("run %d %s (%s): no val_accuracy\n", r.ID, r.Name, r.Status)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("run %d %s lr=%g (%s): best val_accuracy %.4f at epoch %d of %d\n",
				r.ID, r.Name, r.LearningRate, r.Status, best.Value, best.Epoch.Epoch, r.Epochs)
		}
	}
	// Output:
	// run 1 lr lr=0.0001 (completed): best val_accuracy 0.9489 at epoch 5 of 5
	// run 2 lr lr=0.001 (completed): best val_accuracy 0.9768 at epoch 4 of 5
	// run 3 lr lr=0.01 (diverged): best val_accuracy 0.9511 at epoch 2 of 5
	// run 4 linear (completed): no val_accuracy
}

// The completed trials of the last sweep named "lr".
func ExampleDB_Runs() {
	ctx := context.Background()
	db, err := results.Open(ctx, "testdata/runs.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	sweeps, err := db.Sweeps(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var last *results.Sweep
	for _, sw := range sweeps {
		if sw.Name == "lr" {
			last = sw
		}
	}
	runs, err := db.Runs(ctx, results.Filter{SweepID: last.ID, Status: []results.Status{results.StatusCompleted}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sweep %d %q (%s)\n", last.ID, last.Name, last.File)
	for _, r := range runs {
		fmt.Printf("trial %d (run %d): %v, finished %s\n", r.Trial, r.ID, r.Params, r.FinishedAt.Format("15:04:05"))
	}
	// Output:
	// sweep 1 "lr" (/home/ada/exp/configs/lr.yaml)
	// trial 1 (run 1): map[train.learning_rate:0.0001], finished 09:01:03
	// trial 2 (run 2): map[train.learning_rate:0.001], finished 09:01:52
}

// Without a metric, BestEpoch ranks by the one exp table would: here
// val_loss, as the regression has no accuracy; the metric says which way
// it improves.
func ExampleDB_BestEpoch() {
	ctx := context.Background()
	db, err := results.Open(ctx, "testdata/runs.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, results.Filter{Name: "linear"})
	if err != nil {
		log.Fatal(err)
	}
	r := runs[0]
	best, err := db.BestEpoch(ctx, r.ID, "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("run %d: %s (%s) is best at epoch %d: %.4f\n", r.ID, best.Metric.Name, best.Metric.Direction, best.Epoch.Epoch, best.Value)
	fmt.Printf("fitted w = %.4f, b = %.4f\n", r.Summary["w"], r.Summary["b"])
	// Output:
	// run 4: val_loss (minimize) is best at epoch 4: 0.0121
	// fitted w = 2.0123, b = 0.4987
}

// The epochs of a trial that diverged, and why it stopped.
func ExampleDB_Epochs() {
	ctx := context.Background()
	db, err := results.Open(ctx, "testdata/runs.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, results.Filter{Status: []results.Status{results.StatusDiverged}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		eps, err := db.Epochs(ctx, r.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d, %d of %d epochs: %s\n", r.ID, len(eps), r.Epochs, r.Error)
		for _, e := range eps {
			fmt.Printf("  epoch %d: loss %.4f val_loss %.4f val_accuracy %.4f lr %g\n", e.Epoch, *e.Loss, *e.ValLoss, *e.ValAccuracy, *e.LR)
		}
	}
	// Output:
	// run 3, 2 of 5 epochs: loss is not finite at epoch 3, step 412/1875 (batch loss NaN)
	//   epoch 1: loss 0.3874 val_loss 0.2270 val_accuracy 0.9389 lr 0.01
	//   epoch 2: loss 0.2460 val_loss 0.1857 val_accuracy 0.9511 lr 0.01
}

// What exp evaluate recorded about a run's best model.
func ExampleDB_Evaluations() {
	ctx := context.Background()
	db, err := results.Open(ctx, "testdata/runs.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	evs, err := db.Evaluations(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range evs {
		fmt.Printf("%s: loss %.4f, accuracy %.4f\n", ev.Data, *ev.Loss, *ev.Accuracy)
	}
	// Output:
	// labels=t10k-labels-idx1-ubyte.gz path=t10k-images-idx3-ubyte.gz: loss 0.0741, accuracy 0.9779
}

// Open never creates a database.
func ExampleOpen() {
	_, err := results.Open(context.Background(), "testdata/missing.db")
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	fmt.Println(err)
	// Output:
	// true
	// results: open testdata/missing.db: no results database: file does not exist
}
