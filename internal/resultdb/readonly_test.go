package resultdb

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

// TestOpenReadOnly: a missing file and a database that needs migrating are
// refused; a migrated one opens, refuses writes, and its data version changes with another
// connection's commit (and only then).
func TestOpenReadOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		if !db.postgres() {
			if ro, err := OpenReadOnly(ctx, db.dsn); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("OpenReadOnly of a missing file: %v, %v; want an error wrapping fs.ErrNotExist", ro, err)
			}
			if _, err := os.Stat(db.dsn); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("OpenReadOnly of a missing file created it: %v", err)
			}
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
		// It has no write methods; beneath them the connection refuses writes.
		if _, _, err := ro.s.OpenSweep(ctx, "s", "/f.yaml", "h", "", false); err == nil {
			t.Error("a read-only database wrote a sweep")
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

// TestReadOnlyMethods: ReadOnly has the reads of Reader and DataVersion,
// and none of DB's other methods (the worker protocol's writes).
func TestReadOnlyMethods(t *testing.T) {
	reads := reflect.TypeFor[Reader]()
	ro, db := reflect.TypeFor[*ReadOnly](), reflect.TypeFor[*DB]()
	for i := range ro.NumMethod() {
		name := ro.Method(i).Name
		if _, ok := reads.MethodByName(name); !ok && name != "DataVersion" {
			t.Errorf("ReadOnly has method %s, not a read", name)
		}
	}
	writes := 0
	for i := range db.NumMethod() {
		name := db.Method(i).Name
		if _, ok := reads.MethodByName(name); ok {
			continue
		}
		writes++
		if _, ok := ro.MethodByName(name); ok {
			t.Errorf("ReadOnly has DB's method %s", name)
		}
	}
	if writes < 10 {
		t.Errorf("DB has %d methods besides Reader's; want the worker protocol's ten at least", writes)
	}
}
