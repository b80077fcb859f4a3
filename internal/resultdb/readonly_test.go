package resultdb

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

// TestOpenReadOnly: a database that needs migrating is refused; a migrated
// one opens, refuses writes, and its data version changes with another
// connection's commit (and only then).
func TestOpenReadOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		if !db.postgres() {
			if err := os.WriteFile(db.dsn, nil, 0o644); err != nil { // an empty SQLite database
				t.Fatal(err)
			}
		}
		if ro, err := OpenReadOnly(ctx, db.dsn); !errors.Is(err, ErrNeedsMigration) {
			if ro != nil {
				ro.Close()
			}
			t.Fatalf("OpenReadOnly of an unmigrated database: %v, want ErrNeedsMigration", err)
		}
		w := db.open(t) // migrates
		ro, err := OpenReadOnly(ctx, db.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		if _, _, err := ro.OpenSweep(ctx, "s", "/f.yaml", "h", "", false); err == nil {
			t.Error("a read-only store wrote a sweep")
		}
		v1, err := ro.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := ro.DataVersion(ctx); err != nil || v != v1 {
			t.Errorf("data version %q, %v without a write; want %q", v, err, v1)
		}
		sw, _, err := w.OpenSweep(ctx, "s", "/f.yaml", "h", "", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.PlanTrials(ctx, sw.ID, []*record.Run{{Name: "r", ModelName: "m", ConfigYAML: "name: r\n", ConfigHash: "c", Epochs: 2}}); err != nil {
			t.Fatal(err)
		}
		if v, err := ro.DataVersion(ctx); err != nil || v == v1 {
			t.Errorf("data version %q, %v after a write; want a change from %q", v, err, v1)
		}
		if got, err := ro.Sweeps(ctx); err != nil || len(got) != 1 || got[0].Name != "s" {
			t.Errorf("Sweeps: %v, %v", got, err)
		}
	})
}
