package results_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/results"
)

var update = flag.Bool("update", false, "rewrite "+testDB+", the examples' database")

// testDB is the examples' database: two small sweeps written by
// writeFixture through exp's own store, so its values are the same on
// every machine.
const testDB = "testdata/runs.db"

// TestTestdata writes the examples' database afresh and compares it with
// the committed one: the same schema (a database that lags the migrations
// does not even open for reading) and the same rows. With -update it
// rewrites the committed one first.
func TestTestdata(t *testing.T) {
	ctx := context.Background()
	fresh := filepath.Join(t.TempDir(), "runs.db")
	if err := writeFixture(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if *update {
		b, err := os.ReadFile(fresh)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(testDB, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := dump(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dump(ctx, testDB)
	if errors.Is(err, results.ErrNeedsMigration) {
		t.Fatalf("%s lags the migrations: %v\nregenerate it: go test ./results -update", testDB, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s is stale: it differs from what writeFixture writes; regenerate it: go test ./results -update\ncommitted:\n%s\nfresh:\n%s", testDB, got, want)
	}
}

// dump returns the database at path as text: its schema and every row, as
// the package reads them.
func dump(ctx context.Context, path string) (string, error) {
	db, err := results.Open(ctx, path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var b strings.Builder
	schema, err := sqliteSchema(path)
	if err != nil {
		return "", err
	}
	b.WriteString(schema)
	add := func(what string, v any, err error) error {
		if err != nil {
			return err
		}
		j, err := json.MarshalIndent(v, "", " ")
		fmt.Fprintf(&b, "%s: %s\n", what, j)
		return err
	}
	sweeps, err := db.Sweeps(ctx)
	if err := add("sweeps", sweeps, err); err != nil {
		return "", err
	}
	runs, err := db.Runs(ctx, results.Filter{})
	if err := add("runs", runs, err); err != nil {
		return "", err
	}
	for _, r := range runs {
		eps, err := db.Epochs(ctx, r.ID)
		if err := add(fmt.Sprintf("epochs of run %d", r.ID), eps, err); err != nil {
			return "", err
		}
		evs, err := db.Evaluations(ctx, r.ID)
		if err := add(fmt.Sprintf("evaluations of run %d", r.ID), evs, err); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// sqliteSchema returns the SQL of every table and index of the SQLite file
// at path, and the migrations it records.
func sqliteSchema(path string) (string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`, `SELECT name FROM migrations ORDER BY name`} {
		rows, err := db.Query(q)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return "", err
			}
			b.WriteString(s + "\n")
		}
		if err := rows.Close(); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// fixtureTrial is a trial of the fixture and how it went.
type fixtureTrial struct {
	name, model, optimizer string
	lr                     float64
	epochs                 int // planned
	// per epoch: loss, accuracy, val_loss, val_accuracy (-1: none)
	metrics [][4]float64
	outcome resultdb.Outcome
}

// fixtureSweeps are the examples' sweeps: an MLP on MNIST at three learning
// rates (the fastest diverges), and a linear regression. The numbers are
// made up, shaped like real curves.
var fixtureSweeps = []struct {
	name   string
	trials []fixtureTrial
}{
	{"lr", []fixtureTrial{
		{"lr", "mlp", "adam", 1e-4, 5, [][4]float64{
			{0.6083, 0.8431, 0.3521, 0.9012}, {0.3135, 0.9120, 0.2702, 0.9231}, {0.2543, 0.9281, 0.2259, 0.9354},
			{0.2161, 0.9385, 0.1968, 0.9437}, {0.1890, 0.9461, 0.1771, 0.9489}},
			resultdb.Outcome{Status: record.StatusCompleted}},
		{"lr", "mlp", "adam", 1e-3, 5, [][4]float64{
			{0.2917, 0.9166, 0.1402, 0.9586}, {0.1268, 0.9626, 0.1049, 0.9688}, {0.0887, 0.9737, 0.0893, 0.9731},
			{0.0664, 0.9800, 0.0790, 0.9768}, {0.0518, 0.9842, 0.0825, 0.9752}},
			resultdb.Outcome{Status: record.StatusCompleted}},
		{"lr", "mlp", "adam", 1e-2, 5, [][4]float64{
			{0.3874, 0.8890, 0.2270, 0.9389}, {0.2460, 0.9302, 0.1857, 0.9511}},
			resultdb.Outcome{Status: record.StatusDiverged, Error: "loss is not finite at epoch 3, step 412/1875 (batch loss NaN)"}},
	}},
	{"linear", []fixtureTrial{
		{"linear", "linear", "sgd", 0.05, 4, [][4]float64{
			{1.2034, -1, 0.9875, -1}, {0.2211, -1, 0.1893, -1}, {0.0412, -1, 0.0389, -1}, {0.0105, -1, 0.0121, -1}},
			resultdb.Outcome{Status: record.StatusCompleted, Summary: map[string]float64{"w": 2.0123, "b": 0.4987}}},
	}},
}

// fixtureConfig is a trial's effective config, as YAML.
func fixtureConfig(t fixtureTrial) string {
	if t.model == "linear" {
		return fmt.Sprintf("name: %s\nbackend: cpu\ndata:\n  dataset: synthetic_linear\nmodel:\n  name: linear\n  layers:\n    - {type: dense, units: 1}\n"+
			"train:\n  epochs: %d\n  batch_size: 16\n  optimizer: %s\n  learning_rate: %g\n  loss: mse\n  seed: 1\n", t.name, t.epochs, t.optimizer, t.lr)
	}
	return fmt.Sprintf("name: %s\nbackend: cpu\ndata:\n  dataset: mnist\nmodel:\n  name: mlp\n  layers:\n    - {type: flatten}\n"+
		"    - {type: dense, units: 128, activation: relu}\n    - {type: dropout, rate: 0.2}\n    - {type: dense, units: 10, activation: softmax}\n"+
		"train:\n  epochs: %d\n  batch_size: 32\n  optimizer: %s\n  learning_rate: %g\n  seed: 1\n", t.name, t.epochs, t.optimizer, t.lr)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// writeFixture writes the examples' database to path, a new file, as exp
// run would: each sweep planned, each trial claimed, its epochs recorded
// and its end, by a store whose clock starts at a fixed time and advances 7
// seconds at each reading. It then makes the file a compact,
// rollback-journal database, which opens read-only without creating files
// beside it.
func writeFixture(ctx context.Context, path string) error {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		now = now.Add(7 * time.Second)
		return now
	}
	db, err := resultdb.Open(ctx, path, resultdb.WithClock(clock))
	if err != nil {
		return err
	}
	for _, sw := range fixtureSweeps {
		if err := writeSweep(ctx, db, sw.name, sw.trials); err != nil {
			db.Close()
			return err
		}
	}
	if err := db.Close(); err != nil {
		return err
	}
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer raw.Close()
	for _, q := range []string{`PRAGMA journal_mode=DELETE`, `PRAGMA page_size=1024`, `VACUUM`} {
		if _, err := raw.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return raw.Close()
}

// writeSweep plans the trials as sweep name and runs each as the fixture
// says; the MLP's second trial, its best, gets an evaluation.
func writeSweep(ctx context.Context, db *resultdb.DB, name string, trials []fixtureTrial) error {
	var plan []*record.Run
	var specs []string
	for _, t := range trials {
		cfg, batch := fixtureConfig(t), 32
		if t.model == "linear" {
			batch = 16
		}
		specs = append(specs, hash(cfg))
		plan = append(plan, &record.Run{Name: t.name, ModelName: t.model, ConfigYAML: cfg, ConfigHash: hash(cfg), Seed: 1,
			Backend: "cpu", Optimizer: t.optimizer, LearningRate: t.lr, BatchSize: batch, Epochs: t.epochs,
			Params: map[string]any{"train.learning_rate": t.lr}})
	}
	sw, _, err := db.OpenSweep(ctx, name, "/home/ada/exp/configs/"+name+".yaml", hash(strings.Join(specs, "\n")), "", false)
	if err != nil {
		return err
	}
	runs, _, err := db.PlanTrials(ctx, sw.ID, plan)
	if err != nil {
		return err
	}
	for i, t := range trials {
		if err := runTrial(ctx, db, runs[i].ID, t); err != nil {
			return err
		}
	}
	if name != "lr" {
		return nil
	}
	loss, acc := 0.0741, 0.9779
	return db.AddEvaluation(ctx, &record.Evaluation{RunID: runs[1].ID, Data: "labels=t10k-labels-idx1-ubyte.gz path=t10k-images-idx3-ubyte.gz",
		DataHash: hash("mnist test set"), Loss: &loss, Accuracy: &acc})
}

// runTrial claims trial id, records its epochs and finishes it.
func runTrial(ctx context.Context, db *resultdb.DB, id int64, t fixtureTrial) error {
	const owner = "fixture"
	if _, err := db.ClaimTrial(ctx, []int64{id}, resultdb.Claim{Owner: owner}); err != nil {
		return err
	}
	opt := func(v float64) *float64 {
		if v < 0 {
			return nil
		}
		return &v
	}
	for i, m := range t.metrics {
		lr := t.lr
		e := &record.Epoch{RunID: id, Epoch: i + 1, Loss: opt(m[0]), Accuracy: opt(m[1]), ValLoss: opt(m[2]), ValAccuracy: opt(m[3]),
			LR: &lr, Seconds: 6.5, MsPerStep: 3.2, ExamplesPerSecond: 9850}
		if err := db.AddTrialEpoch(ctx, owner, e); err != nil {
			return err
		}
	}
	return db.FinishTrial(ctx, id, owner, t.outcome)
}
