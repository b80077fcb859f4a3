package resultdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
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

// quiescentDB writes a SQLite database at path holding one sweep named
// name with runs trials, and closes it: no writer is left, so SQLite
// removed its -wal and -shm.
func quiescentDB(t *testing.T, path, name string, runs int) {
	t.Helper()
	ctx := context.Background()
	w, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sw, _, err := w.OpenSweep(ctx, name, "/"+name+".yaml", "h", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var plan []*record.Run
	for i := range runs {
		plan = append(plan, &record.Run{Name: name, ModelName: "m", ConfigYAML: "name: " + name + "\n", ConfigHash: fmt.Sprint(i), Epochs: 1})
	}
	if _, _, err := w.PlanTrials(ctx, sw.ID, plan); err != nil {
		t.Fatal(err)
	}
}

// sideFiles lists the -wal and -shm files beside path.
func sideFiles(path string) []string {
	var out []string
	for _, s := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + s); err == nil {
			out = append(out, filepath.Base(path+s))
		}
	}
	return out
}

// writableFiles lists the files under dir this process holds open for
// writing (Linux: /proc/self/fd and fdinfo's flags).
func writableFiles(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink("/proc/self/fd/" + fd.Name())
		if err != nil || !strings.HasPrefix(target, dir) {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + fd.Name())
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			if f, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, _ := strconv.ParseInt(strings.TrimSpace(f), 8, 64)
				if flags&int64(os.O_WRONLY|os.O_RDWR) != 0 {
					out = append(out, filepath.Base(target))
				}
			}
		}
	}
	return out
}

// TestReadOnlyLeavesNoTrace: reading a database that had no -wal and -shm
// (no writer) creates neither, holds no file open for writing, and leaves
// none behind (exp serve used to create both, hold them read-write and
// leave them); a writer that starts meanwhile is seen.
func TestReadOnlyLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "runs.db")
	quiescentDB(t, path, "a", 2)
	if side := sideFiles(path); side != nil {
		t.Fatalf("the writer left %v", side)
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := ro.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sweeps, err := ro.Sweeps(ctx); err != nil || len(sweeps) != 1 {
		t.Fatalf("Sweeps: %v, %v", sweeps, err)
	}
	if _, err := ro.AllEpochs(ctx); err != nil {
		t.Fatal(err)
	}
	if side := sideFiles(path); side != nil {
		t.Errorf("reading created %v", side)
	}
	if runtime.GOOS == "linux" {
		if w := writableFiles(t, dir); w != nil {
			t.Errorf("open for writing: %v", w)
		}
	}
	if v, err := ro.DataVersion(ctx); err != nil || v != v1 {
		t.Errorf("data version %q, %v without a change; want %q", v, err, v1)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if side := sideFiles(path); side != nil {
		t.Errorf("closing left %v", side)
	}

	ro, err = OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	v1, _ = ro.DataVersion(ctx)
	w, err := Open(ctx, path) // a writer starts while the file is read
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, _, err := w.OpenSweep(ctx, "b", "/b.yaml", "h", "", false); err != nil {
		t.Fatal(err)
	}
	if v, err := ro.DataVersion(ctx); err != nil || v == v1 {
		t.Errorf("data version %q, %v after a writer's commit; want a change from %q", v, err, v1)
	}
	if sweeps, err := ro.Sweeps(ctx); err != nil || len(sweeps) != 2 {
		t.Errorf("Sweeps after a writer's commit: %d, %v; want 2", len(sweeps), err)
	}
	v2, _ := ro.DataVersion(ctx)
	if _, _, err := w.OpenSweep(ctx, "c", "/c.yaml", "h", "", false); err != nil {
		t.Fatal(err)
	}
	if v, err := ro.DataVersion(ctx); err != nil || v == v2 {
		t.Errorf("data version %q, %v after a second commit (read through the WAL); want a change from %q", v, err, v2)
	}
	if sweeps, err := ro.Sweeps(ctx); err != nil || len(sweeps) != 3 {
		t.Errorf("Sweeps after a second commit: %d, %v; want 3", len(sweeps), err)
	}
}

// TestReadOnlyReplaced: when the database file is replaced by another
// (renamed over it, or copied into it), the store reads the new one (exp
// serve kept serving the old one, and answered 404 for runs that now
// exist); a replacement that needs migrating is an error until it is
// replaced again.
func TestReadOnlyReplaced(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "runs.db")
	quiescentDB(t, path, "a", 1)
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Run(ctx, 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("run 3 of the first file: %v, want ErrNotFound", err)
	}
	versions := map[string]bool{}
	check := func(step, sweep string, runs int) {
		t.Helper()
		v, err := ro.DataVersion(ctx)
		if err != nil {
			t.Fatalf("%s: DataVersion: %v", step, err)
		}
		if versions[v] {
			t.Errorf("%s: data version %q seen before", step, v)
		}
		versions[v] = true
		sweeps, err := ro.Sweeps(ctx)
		if err != nil || len(sweeps) != 1 || sweeps[0].Name != sweep {
			t.Fatalf("%s: Sweeps %v, %v; want %s", step, sweeps, err, sweep)
		}
		if _, err := ro.Run(ctx, int64(runs)); err != nil {
			t.Errorf("%s: run %d: %v", step, runs, err)
		}
	}
	check("first file", "a", 1)

	other := filepath.Join(dir, "other.db")
	quiescentDB(t, other, "b", 3)
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	check("renamed over", "b", 3)

	quiescentDB(t, other, "c", 5)
	b, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil { // the same inode, rewritten
		t.Fatal(err)
	}
	check("copied into", "c", 5)

	if err := os.WriteFile(other, nil, 0o644); err != nil { // an empty SQLite file: unmigrated
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ro.DataVersion(ctx); !errors.Is(err, ErrNeedsMigration) {
			t.Errorf("an unmigrated replacement: %v, want ErrNeedsMigration", err)
		}
	}
	quiescentDB(t, other, "d", 2)
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	check("renamed over again", "d", 2)
	if side := sideFiles(path); side != nil {
		t.Errorf("reading created %v", side)
	}
}

// TestReadOnlyChangedWhileRead: a query on a file read as immutable that
// changes before the query ends fails (what it read may mix the file's
// two states) rather than return what it read; asked again, it reads the
// file as it is.
func TestReadOnlyChangedWhileRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "runs.db")
	quiescentDB(t, path, "a", 3)
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, change := range []string{"a writer's commit", "the file rewritten"} {
		rows, err := ro.s.db.QueryContext(ctx, `SELECT id FROM runs`)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatalf("%s: no first row: %v", change, rows.Err())
		}
		switch change {
		case "a writer's commit":
			w, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = w.OpenSweep(ctx, "b", "/b.yaml", "h", "", false)
			w.Close()
			if err != nil {
				t.Fatal(err)
			}
		default:
			quiescentDB(t, filepath.Join(dir, "other.db"), "c", 4)
			b, err := os.ReadFile(filepath.Join(dir, "other.db"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for rows.Next() {
		}
		if err := rows.Err(); !errors.Is(err, errFileChanged) {
			t.Errorf("%s during a query: %v, want errFileChanged", change, err)
		}
		rows.Close()
		sweeps, err := ro.Sweeps(ctx)
		if err != nil || len(sweeps) == 0 {
			t.Errorf("%s: asked again: %d sweeps, %v", change, len(sweeps), err)
		}
	}
}
