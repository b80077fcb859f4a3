package resultdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/exp-runner/exp/internal/record"
)

// clockStart has nanoseconds so that tests see the truncation to
// milliseconds.
var clockStart = time.Date(2026, 11, 27, 6, 12, 17, 123456789, time.UTC)

// stepClock returns a clock that reads clockStart, then one second and a bit
// later on each call, and a function giving the i-th reading (0-based) as
// stored.
func stepClock() (now func() time.Time, reading func(i int) time.Time) {
	calls := 0
	at := func(i int) time.Time {
		return clockStart.Add(time.Duration(i) * 1001001 * time.Microsecond)
	}
	now = func() time.Time {
		t := at(calls)
		calls++
		// A zone other than UTC: the store must convert.
		return t.In(time.FixedZone("X", 5*3600+1800))
	}
	reading = func(i int) time.Time { return at(i).Truncate(time.Millisecond) }
	return now, reading
}

func ptr(v float64) *float64 { return &v }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func sprint(v any) string {
	if p, ok := v.(*time.Time); ok && p != nil {
		v = *p
	}
	return fmt.Sprint(v)
}

func eqPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b || (math.IsNaN(*a) && math.IsNaN(*b))
}

func eqTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// diffRun lists the fields in which got differs from want.
func diffRun(got, want *record.Run) []string {
	var d []string
	add := func(ok bool, field string, g, w any) {
		if !ok {
			d = append(d, field+": got "+sprint(g)+", want "+sprint(w))
		}
	}
	add(got.ID == want.ID, "ID", got.ID, want.ID)
	add(got.Name == want.Name, "Name", got.Name, want.Name)
	add(got.ModelName == want.ModelName, "ModelName", got.ModelName, want.ModelName)
	add(got.Status == want.Status, "Status", got.Status, want.Status)
	add(got.ConfigYAML == want.ConfigYAML, "ConfigYAML", got.ConfigYAML, want.ConfigYAML)
	add(got.ConfigHash == want.ConfigHash, "ConfigHash", got.ConfigHash, want.ConfigHash)
	add(got.Seed == want.Seed, "Seed", got.Seed, want.Seed)
	add(got.Backend == want.Backend, "Backend", got.Backend, want.Backend)
	add(got.Optimizer == want.Optimizer, "Optimizer", got.Optimizer, want.Optimizer)
	add(got.LearningRate == want.LearningRate, "LearningRate", got.LearningRate, want.LearningRate)
	add(got.BatchSize == want.BatchSize, "BatchSize", got.BatchSize, want.BatchSize)
	add(got.Epochs == want.Epochs, "Epochs", got.Epochs, want.Epochs)
	add(got.Threads == want.Threads, "Threads", got.Threads, want.Threads)
	add(got.StartedAt.Equal(want.StartedAt) && got.StartedAt.Location() == time.UTC, "StartedAt", got.StartedAt, want.StartedAt)
	add(eqTimePtr(got.FinishedAt, want.FinishedAt), "FinishedAt", got.FinishedAt, want.FinishedAt)
	add(got.Error == want.Error, "Error", got.Error, want.Error)
	sameSummary := len(got.Summary) == len(want.Summary) && (got.Summary == nil) == (want.Summary == nil)
	for k, w := range want.Summary {
		g, ok := got.Summary[k]
		sameSummary = sameSummary && ok && (g == w || math.IsNaN(g) && math.IsNaN(w))
	}
	add(sameSummary, "Summary", got.Summary, want.Summary)
	return d
}

// diffEpoch lists the fields in which got differs from want.
func diffEpoch(got, want *record.Epoch) []string {
	var d []string
	add := func(ok bool, field string, g, w any) {
		if !ok {
			d = append(d, field+": got "+sprint(g)+", want "+sprint(w))
		}
	}
	add(got.RunID == want.RunID, "RunID", got.RunID, want.RunID)
	add(got.Epoch == want.Epoch, "Epoch", got.Epoch, want.Epoch)
	add(eqPtr(got.Loss, want.Loss), "Loss", deref(got.Loss), deref(want.Loss))
	add(eqPtr(got.Accuracy, want.Accuracy), "Accuracy", deref(got.Accuracy), deref(want.Accuracy))
	add(eqPtr(got.ValLoss, want.ValLoss), "ValLoss", deref(got.ValLoss), deref(want.ValLoss))
	add(eqPtr(got.ValAccuracy, want.ValAccuracy), "ValAccuracy", deref(got.ValAccuracy), deref(want.ValAccuracy))
	add(got.Seconds == want.Seconds, "Seconds", got.Seconds, want.Seconds)
	add(got.MsPerStep == want.MsPerStep, "MsPerStep", got.MsPerStep, want.MsPerStep)
	add(got.ExamplesPerSecond == want.ExamplesPerSecond, "ExamplesPerSecond", got.ExamplesPerSecond, want.ExamplesPerSecond)
	add(got.FinishedAt.Equal(want.FinishedAt) && got.FinishedAt.Location() == time.UTC, "FinishedAt", got.FinishedAt, want.FinishedAt)
	return d
}

func TestRoundTrip(t *testing.T) {
	eachBackend(t, testRoundTrip)
}

func testRoundTrip(t *testing.T, db *testDB) {
	ctx := context.Background()
	now, reading := stepClock()
	s := db.open(t, WithClock(now))
	clock := 0 // readings used so far
	tick := func() time.Time { clock++; return reading(clock - 1) }

	tests := []struct {
		run     record.Run
		epochs  []record.Epoch
		finish  record.Status // "" leaves the run running
		errMsg  string
		summary map[string]float64
	}{
		{
			run: record.Run{
				Name: "mlp", ModelName: "mlp", ConfigYAML: "name: mlp\nlayers: []\n", ConfigHash: "h1", Seed: 42,
				Backend: "cpu", Optimizer: "adam", LearningRate: 1e-4, BatchSize: 32, Epochs: 3, Threads: 2,
			},
			epochs: []record.Epoch{
				{Epoch: 1, Loss: ptr(1.0978), Accuracy: ptr(0.694), ValLoss: ptr(0.3262), ValAccuracy: ptr(0.9122), Seconds: 7.25, MsPerStep: 3.5, ExamplesPerSecond: 8571.4},
				// A learning rate (migration 005), stored to the last bit.
				{Epoch: 2, Loss: ptr(0.3469), Accuracy: ptr(0.9029), ValLoss: ptr(0.252), ValAccuracy: ptr(0.9292), Seconds: 5, MsPerStep: 3, ExamplesPerSecond: 12000, LR: ptr(9.765625e-05 / 3)},
				// An explicit finish time, in another zone, with nanoseconds.
				{Epoch: 3, Loss: ptr(0.25), Accuracy: ptr(0.93), ValLoss: ptr(0.2), ValAccuracy: ptr(0.94), Seconds: 5, MsPerStep: 3, ExamplesPerSecond: 12000,
					FinishedAt: time.Date(2027, 1, 2, 3, 4, 5, 999999999, time.FixedZone("Y", -7*3600))},
			},
			finish: record.StatusCompleted,
		},
		{
			// A regression without validation: accuracy and val_ columns NULL.
			run: record.Run{
				Name: "linreg", ModelName: "linear", ConfigYAML: "name: linreg\n", ConfigHash: "h2", Seed: -7,
				Backend: "go", Optimizer: "sgd", LearningRate: 0.01, BatchSize: 16, Epochs: 5,
			},
			epochs: []record.Epoch{
				{Epoch: 1, Loss: ptr(3.5), Seconds: 0.125, MsPerStep: 0.5, ExamplesPerSecond: 1e6},
				{Epoch: 2, Loss: ptr(0.5), Seconds: 0.125, MsPerStep: 0.5, ExamplesPerSecond: 1e6},
			},
			finish:  record.StatusFailed,
			errMsg:  "model: shape mismatch",
			summary: map[string]float64{"w": 2.01, "b": 0.49},
		},
		{
			// Same name again, still running, no epochs.
			run: record.Run{Name: "mlp", ModelName: "mlp", ConfigYAML: "name: mlp\n", ConfigHash: "h1", Seed: 43,
				Backend: "cpu", Optimizer: "adam", LearningRate: 1e-4, BatchSize: 32, Epochs: 3},
		},
		{
			// A diverged run: NaN loss is stored as NULL.
			run: record.Run{Name: "hot", ModelName: "mlp", ConfigYAML: "name: hot\n", ConfigHash: "h3", Seed: 1,
				Backend: "cpu", Optimizer: "sgd", LearningRate: 10, BatchSize: 8, Epochs: 9},
			epochs: []record.Epoch{
				{Epoch: 1, Loss: ptr(math.NaN()), Accuracy: ptr(0.1), ValLoss: ptr(math.Inf(1)), ValAccuracy: ptr(0.1), Seconds: 1, MsPerStep: 1, ExamplesPerSecond: 1},
			},
			finish: record.StatusDiverged,
		},
	}

	var wantRuns []*record.Run
	wantEpochs := map[int64][]*record.Epoch{}
	for _, tt := range tests {
		r := tt.run
		if err := s.createRun(ctx, &r); err != nil {
			t.Fatal(err)
		}
		want := tt.run
		want.ID, want.Status, want.StartedAt = r.ID, record.StatusRunning, tick()
		if r.ID == 0 || r.Status != want.Status || !r.StartedAt.Equal(want.StartedAt) {
			t.Errorf("createRun set ID %d, record.Status %q, StartedAt %v; want non-zero, %q, %v", r.ID, r.Status, r.StartedAt, want.Status, want.StartedAt)
		}
		for _, in := range tt.epochs {
			e := in
			e.RunID = r.ID
			if err := s.AddTrialEpoch(ctx, "", &e); err != nil {
				t.Fatal(err)
			}
			w := e
			if in.FinishedAt.IsZero() {
				w.FinishedAt = tick()
			} else {
				w.FinishedAt = in.FinishedAt.UTC().Truncate(time.Millisecond)
			}
			if !e.FinishedAt.Equal(w.FinishedAt) {
				t.Errorf("AddTrialEpoch set FinishedAt %v, want %v", e.FinishedAt, w.FinishedAt)
			}
			if w.Loss != nil && math.IsNaN(*w.Loss) {
				w.Loss = nil
			}
			wantEpochs[r.ID] = append(wantEpochs[r.ID], &w)
		}
		if tt.summary != nil {
			if err := s.setSummary(ctx, r.ID, tt.summary); err != nil {
				t.Fatal(err)
			}
			want.Summary = tt.summary
		}
		if tt.finish != "" {
			if err := s.finishRun(ctx, r.ID, tt.finish, tt.errMsg); err != nil {
				t.Fatal(err)
			}
			f := tick()
			want.Status, want.FinishedAt, want.Error = tt.finish, &f, tt.errMsg
		}
		wantRuns = append(wantRuns, &want)
	}

	// Read back through a second Store on the same database, as another
	// process would.
	s2, err := Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()

	all, err := s2.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(wantRuns) {
		t.Fatalf("Runs gave %d runs, want %d", len(all), len(wantRuns))
	}
	for i, want := range wantRuns {
		for _, d := range diffRun(all[i], want) {
			t.Errorf("Runs()[%d]: %s", i, d)
		}
		one, err := s2.Run(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffRun(one, want) {
			t.Errorf("Run(%d): %s", want.ID, d)
		}
		epochs, err := s2.Epochs(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(epochs) != len(wantEpochs[want.ID]) {
			t.Fatalf("Epochs(%d) gave %d epochs, want %d", want.ID, len(epochs), len(wantEpochs[want.ID]))
		}
		for j, we := range wantEpochs[want.ID] {
			for _, d := range diffEpoch(epochs[j], we) {
				t.Errorf("Epochs(%d)[%d]: %s", want.ID, j, d)
			}
		}
	}

	named, err := s2.RunsByName(ctx, "mlp")
	if err != nil {
		t.Fatal(err)
	}
	if len(named) != 2 || named[0].ID != wantRuns[0].ID || named[1].ID != wantRuns[2].ID {
		t.Errorf("RunsByName(mlp) gave %d runs, want runs %d and %d", len(named), wantRuns[0].ID, wantRuns[2].ID)
	}
	if none, err := s2.RunsByName(ctx, "nope"); err != nil || len(none) != 0 {
		t.Errorf("RunsByName(nope) = %d runs, %v; want none, nil", len(none), err)
	}
}

// pgTimeText renders a timestamptz column as exp's SQLite text (RFC 3339,
// UTC, milliseconds), and "(not ms)" if it holds a finer time.
func pgTimeText(col string) string {
	return `CASE WHEN date_trunc('milliseconds', ` + col + `) = ` + col +
		` THEN to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ELSE '(not ms)' END`
}

// TestStoredText checks the values users see with the sqlite3 tool (or
// psql: the times as timestamptz, the JSON as its text).
func TestStoredText(t *testing.T) {
	eachBackend(t, testStoredText)
}

func testStoredText(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t, WithClock(func() time.Time { return time.Date(2026, 11, 27, 7, 12, 17, 123999999, time.FixedZone("CET", 3600)) }))
	r := &record.Run{Name: "lin", ModelName: "linear", Summary: map[string]float64{"w": 2.01, "b": 0.49, "nan": math.NaN(), "inf": math.Inf(-1)}}
	if err := s.createRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 1, Loss: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	var started, finished, summary string
	if err := rawRow(s, `SELECT started_at, summary FROM runs`,
		`SELECT `+pgTimeText("started_at")+`, summary::text FROM runs`).Scan(&started, &summary); err != nil {
		t.Fatal(err)
	}
	if err := rawRow(s, `SELECT finished_at FROM epochs`, `SELECT `+pgTimeText("finished_at")+` FROM epochs`).Scan(&finished); err != nil {
		t.Fatal(err)
	}
	const wantTime = "2026-11-27T06:12:17.123Z"
	if started != wantTime || finished != wantTime {
		t.Errorf("stored started_at %q and finished_at %q, want %q", started, finished, wantTime)
	}
	const wantSummary = `{"b":0.49,"inf":null,"nan":null,"w":2.01}`
	if summary != wantSummary {
		t.Errorf("stored summary %s, want %s", summary, wantSummary)
	}
	var w float64
	if err := rawRow(s, `SELECT json_extract(summary, '$.w') FROM runs`, `SELECT (summary->>'w')::float8 FROM runs`).Scan(&w); err != nil || w != 2.01 {
		t.Errorf("json_extract(summary, '$.w') = %v, %v; want 2.01", w, err)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Summary) != 4 || got.Summary["w"] != 2.01 || !math.IsNaN(got.Summary["nan"]) || !math.IsNaN(got.Summary["inf"]) {
		t.Errorf("Summary read back as %v, want w 2.01, b 0.49, nan and inf NaN", got.Summary)
	}
	// An empty summary is NULL and reads back nil.
	if err := s.setSummary(ctx, r.ID, map[string]float64{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Run(ctx, r.ID); err != nil || got.Summary != nil {
		t.Errorf("after an empty setSummary, Summary = %v, %v; want nil", got.Summary, err)
	}
}

// TestSchema pins the public schema: table and column names, types, NOT NULL.
func TestSchema(t *testing.T) {
	// PostgreSQL has the same tables and columns, in its own types.
	for table, cols := range sqliteSchema {
		if g, w := columnNames(postgresSchema[table]), columnNames(cols); g != w {
			t.Errorf("table %s: PostgreSQL columns\n %s\ndiffer from SQLite's\n %s", table, g, w)
		}
	}
	eachBackend(t, testSchema)
}

var sqliteSchema = map[string]string{
	"migrations": "name TEXT",
	"runs": "id INTEGER, name TEXT NOT NULL, model_name TEXT NOT NULL, status TEXT NOT NULL, " +
		"config_yaml TEXT NOT NULL, config_hash TEXT NOT NULL, seed INTEGER NOT NULL, backend TEXT NOT NULL, " +
		"optimizer TEXT NOT NULL, learning_rate REAL NOT NULL, batch_size INTEGER NOT NULL, epochs INTEGER NOT NULL, " +
		"threads INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, error TEXT, summary TEXT, " +
		"sweep_id INTEGER, trial INTEGER, variant TEXT, params TEXT, attempts INTEGER NOT NULL, stop_reason TEXT, " +
		"owner TEXT, lease_expires_at TEXT, preprocessing TEXT, data_hash TEXT, confusion TEXT",
	"sweeps": "id INTEGER, name TEXT NOT NULL, file TEXT NOT NULL, spec_hash TEXT NOT NULL, created_at TEXT NOT NULL, prune TEXT",
	"epochs": "run_id INTEGER NOT NULL, epoch INTEGER NOT NULL, loss REAL, accuracy REAL, val_loss REAL, " +
		"val_accuracy REAL, seconds REAL NOT NULL, ms_per_step REAL NOT NULL, examples_per_second REAL NOT NULL, " +
		"finished_at TEXT NOT NULL, lr REAL, val_f1_macro REAL",
	"evaluations": "id INTEGER, run_id INTEGER NOT NULL, data TEXT NOT NULL, data_hash TEXT NOT NULL, loss REAL, " +
		"accuracy REAL, mse REAL, mae REAL, rmse REAL, r2 REAL, created_at TEXT NOT NULL",
}

var postgresSchema = map[string]string{
	"migrations": "name text NOT NULL",
	"runs": "id bigint NOT NULL, name text NOT NULL, model_name text NOT NULL, status text NOT NULL, " +
		"config_yaml text NOT NULL, config_hash text NOT NULL, seed bigint NOT NULL, backend text NOT NULL, " +
		"optimizer text NOT NULL, learning_rate double precision NOT NULL, batch_size bigint NOT NULL, epochs bigint NOT NULL, " +
		"threads bigint NOT NULL, started_at timestamp with time zone NOT NULL, finished_at timestamp with time zone, " +
		"error text, summary json, " +
		"sweep_id bigint, trial bigint, variant text, params json, attempts bigint NOT NULL, stop_reason text, " +
		"owner text, lease_expires_at timestamp with time zone, preprocessing text, data_hash text, confusion json",
	"sweeps": "id bigint NOT NULL, name text NOT NULL, file text NOT NULL, spec_hash text NOT NULL, " +
		"created_at timestamp with time zone NOT NULL, prune json",
	"epochs": "run_id bigint NOT NULL, epoch bigint NOT NULL, loss double precision, accuracy double precision, " +
		"val_loss double precision, val_accuracy double precision, seconds double precision NOT NULL, " +
		"ms_per_step double precision NOT NULL, examples_per_second double precision NOT NULL, " +
		"finished_at timestamp with time zone NOT NULL, lr double precision, val_f1_macro double precision",
	"evaluations": "id bigint NOT NULL, run_id bigint NOT NULL, data text NOT NULL, data_hash text NOT NULL, " +
		"loss double precision, accuracy double precision, mse double precision, mae double precision, " +
		"rmse double precision, r2 double precision, created_at timestamp with time zone NOT NULL",
}

// columnNames keeps the names of a schema string's columns.
func columnNames(cols string) string {
	var names []string
	for _, c := range strings.Split(cols, ", ") {
		names = append(names, strings.Fields(c)[0])
	}
	return strings.Join(names, ", ")
}

func testSchema(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)
	want := sqliteSchema
	if db.postgres() {
		want = postgresSchema
	}
	for table, cols := range want {
		var got []string
		if !db.postgres() {
			rows, err := s.db.QueryContext(ctx, `SELECT name, type, "notnull" FROM pragma_table_info(?) ORDER BY cid`, table)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var name, typ string
				var notNull bool
				if err := rows.Scan(&name, &typ, &notNull); err != nil {
					t.Fatal(err)
				}
				if notNull {
					typ += " NOT NULL"
				}
				got = append(got, name+" "+typ)
			}
			rows.Close()
		} else {
			got = rawStrings(t, s, "", `SELECT column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END
				FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
		}
		if g := strings.Join(got, ", "); g != cols {
			t.Errorf("table %s:\n got %s\nwant %s", table, g, cols)
		}
	}
	var idx int
	if err := rawRow(s, `SELECT COUNT(*) FROM pragma_index_list('runs') WHERE name = 'runs_config_hash_idx'`,
		`SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'runs' AND indexname = 'runs_config_hash_idx'`).Scan(&idx); err != nil || idx != 1 {
		t.Errorf("index runs_config_hash_idx: %d, %v", idx, err)
	}
	if !db.postgres() {
		return
	}
	// The constraints SQLite has: (sweep_id, config_hash) unique, and
	// foreign keys that delete a run's epochs with it, a sweep's runs with it.
	var unique bool
	if err := rawRow(s, "", `SELECT indisunique FROM pg_index WHERE indexrelid = 'runs_sweep_config_idx'::regclass`).Scan(&unique); err != nil || !unique {
		t.Errorf("runs_sweep_config_idx unique: %v, %v", unique, err)
	}
	fks := rawStrings(t, s, "", `SELECT conrelid::regclass || '→' || confrelid::regclass || ' ' || confdeltype::text
		FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)
	if g, w := strings.Join(fks, ", "), "epochs→runs c, evaluations→runs c, runs→sweeps c"; g != w {
		t.Errorf("foreign keys (c: ON DELETE CASCADE): %s, want %s", g, w)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		wantErr string // "" for success
	}{
		{filepath.Join(dir, "missing", "results.db"), "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{filepath.Join(file, "results.db"), "is not a directory"},
		{"", "empty database path"},
		{filepath.Join(dir, "odd ?#%20 name.db"), ""},
		{":memory:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s, err := Open(ctx, tt.path)
			if tt.wantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "results: open") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error %q, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r := &record.Run{Name: "x"}
			if err := s.createRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Run(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if tt.path != ":memory:" {
				if _, err := os.Stat(tt.path); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	eachBackend(t, testMigrations)
}

func testMigrations(t *testing.T, db *testDB) {
	ctx := context.Background()
	d := sqliteDialect
	if db.postgres() {
		d = pgDialect
	}
	files, err := migrationNames(d.migrations)
	if err != nil || len(files) == 0 {
		t.Fatalf("migrationNames() = %v, %v", files, err)
	}
	for i := 0; i < 3; i++ {
		s, err := Open(ctx, db.dsn)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		applied := rawStrings(t, s, `SELECT name FROM migrations ORDER BY rowid`, `SELECT name FROM migrations ORDER BY name`)
		if len(applied) != len(files) {
			t.Errorf("open #%d: migrations table holds %v, want each of %v once", i+1, applied, files)
		}
		for j, name := range applied {
			if j < len(files) && name != path.Base(files[j]) {
				t.Errorf("open #%d: migration %d is %s, want %s", i+1, j, name, path.Base(files[j]))
			}
		}
		if sq := s; !db.postgres() {
			for _, p := range []struct{ pragma, want string }{
				{"journal_mode", "wal"},
				{"foreign_keys", "1"},
				{"busy_timeout", "30000"},
				{"synchronous", "1"}, // NORMAL
			} {
				var got string
				if err := sq.db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil || got != p.want {
					t.Errorf("PRAGMA %s = %q, %v; want %q", p.pragma, got, err, p.want)
				}
			}
		}
		// The foreign key holds: an epoch needs its run.
		err = s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: 999, Epoch: 1})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("AddTrialEpoch for a missing run: %v, want ErrNotFound", err)
		}
		if err := rawExec(s, `INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, ms_per_step, examples_per_second, finished_at) VALUES (999, 1, NULL, NULL, NULL, NULL, 0, 0, 0, '')`,
			`INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, ms_per_step, examples_per_second, finished_at) VALUES (999, 1, NULL, NULL, NULL, NULL, 0, 0, 0, now())`); err == nil {
			t.Errorf("raw insert of an epoch of a missing run succeeded")
		}
		if i == 0 {
			// Data survives reopening.
			if err := s.createRun(ctx, &record.Run{Name: "keep"}); err != nil {
				t.Fatal(err)
			}
		}
		if runs, err := s.Runs(ctx); err != nil || len(runs) != 1 {
			t.Errorf("open #%d: %d runs, %v; want 1", i+1, len(runs), err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// A database from a newer exp, with a migration this one lacks, is refused.
	s, err := Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := rawExec(s, `INSERT INTO migrations (name) VALUES ('999_future.sql')`, `INSERT INTO migrations (name) VALUES ('999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, db.dsn); err == nil {
		s.Close()
		t.Errorf("Open of a database with an unknown migration succeeded")
	} else if !strings.Contains(err.Error(), "999_future.sql") {
		t.Errorf("Open error %q does not name the unknown migration", err)
	}
}

// TestMigrationFiles checks the names of the embedded migrations: NNN_name.sql,
// numbered 001, 002, … without gaps; PostgreSQL's (migrations/postgres/) are
// named as SQLite's (migrations/sqlite/), so both databases list the same migrations.
func TestMigrationFiles(t *testing.T) {
	files, err := migrationNames(sqliteDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	pgFiles, err := migrationNames(pgDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		dir   string
		files []string
	}{{"migrations/sqlite", files}, {"migrations/postgres", pgFiles}} {
		re := regexp.MustCompile(`^(\d{3})_[a-z0-9_]+\.sql$`)
		for i, f := range set.files {
			m := re.FindStringSubmatch(f)
			if m == nil {
				t.Errorf("migration %s/%s: name is not NNN_snake_case.sql", set.dir, f)
				continue
			}
			if want := fmt.Sprintf("%03d", i+1); m[1] != want {
				t.Errorf("migration %s/%s: number %s, want %s", set.dir, f, m[1], want)
			}
		}
	}
	if len(pgFiles) != len(files) {
		t.Errorf("%d PostgreSQL migrations, %d SQLite ones", len(pgFiles), len(files))
	}
	for i := range min(len(files), len(pgFiles)) {
		if path.Base(files[i]) != path.Base(pgFiles[i]) {
			t.Errorf("migration %d: %s for PostgreSQL, %s for SQLite", i+1, pgFiles[i], files[i])
		}
	}
}

func TestErrors(t *testing.T) {
	eachBackend(t, testErrors)
}

func testErrors(t *testing.T, db *testDB) {
	ctx := context.Background()
	s := db.open(t)
	r := &record.Run{Name: "r", ModelName: "mlp", BatchSize: 32, Epochs: 2}
	if err := s.createRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: r.ID, Epoch: 1, Loss: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.finishRun(ctx, r.ID, record.StatusCompleted, ""); err != nil {
		t.Fatal(err)
	}
	id := r.ID
	tests := []struct {
		name    string
		do      func() error
		is      error // nil: any error
		wantMsg string
	}{
		{"duplicate epoch", func() error { return s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: id, Epoch: 1, Loss: ptr(2)}) },
			ErrDuplicate, fmt.Sprintf("results: add epoch 1 of run %d: already recorded", id)},
		{"epoch of missing run", func() error { return s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: 7, Epoch: 3}) },
			ErrNotFound, "results: add epoch 3 of run 7: run not found"},
		{"epoch zero", func() error { return s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: id, Epoch: 0}) },
			nil, fmt.Sprintf("results: add epoch 0 of run %d: epoch number 0 is not positive (epochs count from 1)", id)},
		{"NaN seconds", func() error { return s.AddTrialEpoch(ctx, "", &record.Epoch{RunID: id, Epoch: 2, Seconds: math.NaN()}) },
			nil, fmt.Sprintf("results: add epoch 2 of run %d: seconds is NaN, want a finite number ≥ 0", id)},
		{"nil epoch", func() error { return s.AddTrialEpoch(ctx, "", nil) }, nil, "results: add epoch: nil epoch"},
		{"run without name", func() error { return s.createRun(ctx, &record.Run{}) }, nil, `results: create run "": empty name`},
		{"NaN learning rate", func() error { return s.createRun(ctx, &record.Run{Name: "n", LearningRate: math.NaN()}) },
			nil, `results: create run "n": learning rate NaN is not finite`},
		{"missing run", func() error { _, err := s.Run(ctx, 99); return err }, ErrNotFound, "results: run 99: not found"},
		{"epochs of missing run", func() error { _, err := s.Epochs(ctx, 99); return err },
			ErrNotFound, "results: epochs of run 99: run not found"},
		{"finish missing run", func() error { return s.finishRun(ctx, 99, record.StatusFailed, "x") },
			ErrNotFound, "results: finish run 99: run not found"},
		{"finish twice", func() error { return s.finishRun(ctx, id, record.StatusFailed, "late") },
			ErrFinished, fmt.Sprintf("results: finish run %d: already finished as completed", id)},
		{"finish as running", func() error { return s.finishRun(ctx, id, record.StatusRunning, "") },
			nil, fmt.Sprintf(`results: finish run %d: invalid final status "running"`, id)},
		{"finish as unknown", func() error { return s.finishRun(ctx, id, "paused", "") },
			nil, fmt.Sprintf(`results: finish run %d: invalid final status "paused"`, id)},
		{"cancelled context", func() error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			return s.finishRun(cctx, id, record.StatusInterrupted, "")
		}, context.Canceled, fmt.Sprintf("results: finish run %d: context canceled", id)},
		{"summary of missing run", func() error { return s.setSummary(ctx, 99, map[string]float64{"w": 1}) },
			ErrNotFound, "results: set summary of run 99: run not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if msg := err.Error(); msg != tt.wantMsg {
				t.Errorf("error %q, want %q", msg, tt.wantMsg)
			}
		})
	}
	// The failed writes changed nothing.
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != record.StatusCompleted || got.Error != "" {
		t.Errorf("run after failed writes: status %q, error %q", got.Status, got.Error)
	}
	if epochs, err := s.Epochs(ctx, id); err != nil || len(epochs) != 1 || *epochs[0].Loss != 1 {
		t.Errorf("epochs after failed writes: %d, %v", len(epochs), err)
	}
	if runs, err := s.Runs(ctx); err != nil || len(runs) != 1 {
		t.Errorf("runs after failed writes: %d, %v", len(runs), err)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		s               record.Status
		valid, terminal bool
	}{
		{record.StatusRunning, true, false},
		{record.StatusCompleted, true, true},
		{record.StatusFailed, true, true},
		{record.StatusInterrupted, true, true},
		{record.StatusDiverged, true, true},
		{record.StatusPending, true, false},
		{record.StatusPruned, true, true},
		{"queued", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := tt.s.Valid(); got != tt.valid {
			t.Errorf("Status(%q).Valid() = %v", tt.s, got)
		}
		if got := tt.s.Terminal(); got != tt.terminal {
			t.Errorf("Status(%q).Terminal() = %v", tt.s, got)
		}
	}
}
