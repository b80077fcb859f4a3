package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tinyRun is a run that trains in milliseconds.
const tinyRun = `
data: {dataset: linear, n: 64, validation_split: 0.25}
model: {layers: [{type: dense, units: 1}]}
train: {optimizer: sgd, loss: mse, batch_size: 64, epochs: 2}
`

// TestOutputFiles: -o writes the named file and nothing else (issue 18,
// item 1): a regular file keeps its mode, a symbolic link is followed, a
// hard link kept, a device or FIFO written through, a folder refused.
func TestOutputFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	mustRun(t, "run", writeFile(t, dir, "tiny.yaml", tinyRun), "--db", db)
	want := mustRun(t, "export", "--db", db)
	if !strings.HasPrefix(want, "run_id,") {
		t.Fatalf("export:\n%s", want)
	}
	export := func(out string) (int, string) {
		code, _, errOut := run(t, nil, "export", "--db", db, "-o", out)
		return code, errOut
	}

	t.Run("mode 600 kept", func(t *testing.T) {
		p := filepath.Join(dir, "private.csv")
		os.WriteFile(p, []byte("old"), 0o600)
		os.Chmod(p, 0o600)
		if code, errOut := export(p); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		st, _ := os.Stat(p)
		if b, _ := os.ReadFile(p); string(b) != want || st.Mode() != 0o600 {
			t.Errorf("mode %v, contents right: %v", st.Mode(), string(b) == want)
		}
	})
	t.Run("symlink followed", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "target.csv")
		os.WriteFile(target, []byte("old"), 0o644)
		link := filepath.Join(dir, "link.csv")
		os.Symlink(target, link)
		if code, errOut := export(link); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lst, _ := os.Lstat(link)
		if b, _ := os.ReadFile(target); string(b) != want || lst.Mode()&os.ModeSymlink == 0 {
			t.Errorf("target written: %v; link still a link: %v", string(b) == want, lst.Mode()&os.ModeSymlink != 0)
		}
	})
	t.Run("hard link kept", func(t *testing.T) {
		a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
		os.WriteFile(a, []byte("old"), 0o644)
		os.Link(a, b)
		if code, errOut := export(a); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got, _ := os.ReadFile(b); string(got) != want {
			t.Errorf("the other link holds %q", got)
		}
	})
	t.Run("dev full", func(t *testing.T) {
		code, errOut := export("/dev/full")
		st, _ := os.Stat("/dev/full")
		if code != ExitFailed || !strings.Contains(errOut, "writing /dev/full: no space left on device") || st.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("exit %d, %q; /dev/full is %v", code, errOut, st.Mode())
		}
	})
	t.Run("fifo", func(t *testing.T) {
		p := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skip(err)
		}
		got := make(chan string)
		go func() {
			f, err := os.Open(p)
			if err != nil {
				got <- err.Error()
				return
			}
			b, _ := io.ReadAll(f)
			f.Close()
			got <- string(b)
		}()
		if code, errOut := export(p); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if s := <-got; s != want {
			t.Errorf("the FIFO's reader got %q", s)
		}
	})
	t.Run("folder", func(t *testing.T) {
		sub := filepath.Join(dir, "sub")
		os.Mkdir(sub, 0o755)
		code, errOut := export(sub)
		if code != ExitUsage || !strings.Contains(errOut, "exp export: -o: "+sub+" is a folder; name a file to write") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("predict folder", func(t *testing.T) {
		code, _, errOut := run(t, nil, "predict", "1", "--split", "val", "--db", db, "-o", dir)
		if code != ExitUsage || !strings.Contains(errOut, dir+" is a folder") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("export-model through a link", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "model")
		link := filepath.Join(dir, "model-link")
		os.Symlink(target, link)
		mustRun(t, "export-model", "1", "--db", db, "-o", link)
		lst, _ := os.Lstat(link)
		if _, err := os.Stat(filepath.Join(target, "model.json")); err != nil || lst.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link's target holds no model (%v), or the link was replaced (%v)", err, lst.Mode())
		}
		file := filepath.Join(dir, "a.csv")
		code, _, errOut := run(t, nil, "export-model", "1", "--db", db, "-o", file)
		if code != ExitUsage || !strings.Contains(errOut, file+" is a file, not a folder") {
			t.Errorf("export-model -o FILE: exit %d, %q", code, errOut)
		}
	})
}
