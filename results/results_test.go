package results_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/results"
	"github.com/jackc/pgx/v5"
)

func open(t *testing.T, path string) *results.DB {
	t.Helper()
	db, err := results.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// TestRunsFilter: each field of Filter narrows the runs, oldest first.
func TestRunsFilter(t *testing.T) {
	db := open(t, testDB)
	ctx := context.Background()
	for _, tt := range []struct {
		f    results.Filter
		want []int64
	}{
		{results.Filter{}, []int64{1, 2, 3, 4}},
		{results.Filter{SweepID: 1}, []int64{1, 2, 3}},
		{results.Filter{SweepID: 2}, []int64{4}},
		{results.Filter{Name: "lr"}, []int64{1, 2, 3}},
		{results.Filter{Name: "nope"}, nil},
		{results.Filter{Status: []results.Status{results.StatusDiverged, results.StatusFailed}}, []int64{3}},
		{results.Filter{Name: "lr", Status: []results.Status{results.StatusCompleted}}, []int64{1, 2}},
		{results.Filter{SweepID: 2, Name: "lr"}, nil},
	} {
		runs, err := db.Runs(ctx, tt.f)
		if err != nil {
			t.Fatalf("%+v: %v", tt.f, err)
		}
		var got []int64
		for _, r := range runs {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: runs %v, want %v", tt.f, got, tt.want)
		}
	}
	if _, err := db.Runs(ctx, results.Filter{SweepID: 9}); !errors.Is(err, results.ErrNotFound) {
		t.Errorf("runs of a missing sweep: %v, want ErrNotFound", err)
	}
}

// TestBestEpoch: the best epoch by each metric's direction, the earliest
// among equals, and the errors.
func TestBestEpoch(t *testing.T) {
	db := open(t, testDB)
	ctx := context.Background()
	for _, tt := range []struct {
		run    int64
		metric string
		epoch  int
		value  float64
		dir    results.Direction
	}{
		{2, results.ValAccuracy, 4, 0.9768, results.Higher},
		{2, results.ValLoss, 4, 0.0790, results.Lower},
		{2, results.Loss, 5, 0.0518, results.Lower},
		{2, "", 4, 0.9768, results.Higher}, // val_accuracy
		{4, "", 4, 0.0121, results.Lower},  // val_loss: no accuracy
	} {
		b, err := db.BestEpoch(ctx, tt.run, tt.metric)
		if err != nil {
			t.Fatalf("run %d by %q: %v", tt.run, tt.metric, err)
		}
		if b.Epoch.Epoch != tt.epoch || b.Value != tt.value || b.Metric.Direction != tt.dir || *b.Epoch.Value(b.Metric.Name) != b.Value {
			t.Errorf("run %d by %q: epoch %d, %s %v (%s); want epoch %d, %v (%s)",
				tt.run, tt.metric, b.Epoch.Epoch, b.Metric.Name, b.Value, b.Metric.Direction, tt.epoch, tt.value, tt.dir)
		}
	}
	for _, tt := range []struct {
		run      int64
		metric   string
		notFound bool
		want     string
	}{
		{4, results.ValAccuracy, true, "no epoch has val_accuracy"},
		{9, results.ValAccuracy, true, "run 9"},
		{2, results.LR, false, `"lr" is not a ranked metric (ranked: loss, accuracy, val_loss, val_accuracy, val_f1_macro)`},
		{2, "val_acc", false, `"val_acc" is not a ranked metric`},
	} {
		_, err := db.BestEpoch(ctx, tt.run, tt.metric)
		if err == nil || errors.Is(err, results.ErrNotFound) != tt.notFound || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run %d by %q: error %v; want one saying %q (not found: %v)", tt.run, tt.metric, err, tt.want, tt.notFound)
		}
	}
}

// TestReadOnly: reading leaves the file as it was, and adds none beside it.
func TestReadOnly(t *testing.T) {
	before, err := os.ReadFile(testDB)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db := open(t, testDB)
	if _, err := db.Runs(ctx, results.Filter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Evaluations(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(testDB); err != nil || !bytes.Equal(before, after) {
		t.Errorf("reading changed %s (%v)", testDB, err)
	}
	entries, err := os.ReadDir(filepath.Dir(testDB))
	if err != nil || len(entries) != 1 {
		t.Errorf("testdata holds %d files (%v), want runs.db alone", len(entries), err)
	}

}

// TestLiveWriter: a reader sees each epoch a writer commits, on SQLite and
// (with EXP_TEST_POSTGRES) PostgreSQL.
func TestLiveWriter(t *testing.T) {
	for _, backend := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "live.db") }},
		{"postgres", postgresDB},
	} {
		t.Run(backend.name, func(t *testing.T) { liveWriter(t, backend.dsn(t)) })
	}
}

func liveWriter(t *testing.T, dsn string) {
	ctx := context.Background()
	w, err := resultdb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sw, _, err := w.OpenSweep(ctx, "s", "/s.yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	runs, _, err := w.PlanTrials(ctx, sw.ID, []*record.Run{{Name: "s", ModelName: "m", ConfigYAML: "name: s\n", ConfigHash: "c", Epochs: 2}})
	if err != nil {
		t.Fatal(err)
	}
	id := runs[0].ID
	if _, err := w.ClaimTrial(ctx, []int64{id}, resultdb.Claim{Owner: "w"}); err != nil {
		t.Fatal(err)
	}
	r := open(t, dsn)
	for epoch := 1; epoch <= 2; epoch++ {
		acc := 0.5 + float64(epoch)/10
		if err := w.AddTrialEpoch(ctx, "w", &record.Epoch{RunID: id, Epoch: epoch, ValAccuracy: &acc}); err != nil {
			t.Fatal(err)
		}
		eps, err := r.Epochs(ctx, id)
		if err != nil || len(eps) != epoch || *eps[epoch-1].ValAccuracy != acc {
			t.Fatalf("after the writer's epoch %d the reader has %d epochs (%v)", epoch, len(eps), err)
		}
	}
	if got, err := r.Run(ctx, id); err != nil || got.Status != results.StatusRunning {
		t.Errorf("run %d: %v, %v; want it running", id, got, err)
	}
}

// postgresDB returns the URL of a new database on the EXP_TEST_POSTGRES
// server (a role that may create databases), dropped when the test ends;
// without the variable it skips the test (fails it under CI, as the
// store's own tests do).
func postgresDB(t *testing.T) string {
	admin := os.Getenv("EXP_TEST_POSTGRES")
	if admin == "" {
		msg := "no PostgreSQL server to test on: set EXP_TEST_POSTGRES (see .ci/run)"
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	name := fmt.Sprintf("exp_results_test_%d", time.Now().UnixNano())
	exec := func(q string) {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Error(err)
		}
	}
	exec("CREATE DATABASE " + name)
	t.Cleanup(func() { exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
