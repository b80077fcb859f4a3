package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCustomBinary builds this folder's binary, then checks that its
// validate summarises the swish layer, that run trains swish.yaml (whose
// trials are child processes of the binary) to a validation loss near the
// noise floor, and that a bad swish parameter is a FILE:LINE:COL config error.
func TestCustomBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "customlayer")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	exp := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		var o, e bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir // checkpoints and any default database stay in the temporary folder
		cmd.Env = append(os.Environ(), "EXP_DB="+filepath.Join(dir, "default.db"))
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatalf("%s %v: %v", bin, args, err)
		}
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}
	yaml, err := filepath.Abs("swish.yaml")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("validate", func(t *testing.T) {
		out, errOut, code := exp("validate", yaml)
		if code != 0 {
			t.Fatalf("validate exited %d: %s", code, errOut)
		}
		// dense 16 → swish: one trainable β per feature, 16 parameters.
		if !regexp.MustCompile(`(?m)^swish \(swish\) +\(None, 16\) +16$`).MatchString(out) {
			t.Errorf("summary has no row `swish (swish) (None, 16) 16`:\n%s", out)
		}
		if !strings.Contains(out, "Total params: 65\n") {
			t.Errorf("summary does not total 32 + 16 + 17 = 65 parameters:\n%s", out)
		}
	})

	t.Run("run", func(t *testing.T) {
		db := filepath.Join(dir, "runs.db")
		if _, errOut, code := exp("run", yaml, "--db", db, "--epochs", "4"); code != 0 {
			t.Fatalf("run exited %d: %s", code, errOut)
		}
		out, errOut, code := exp("table", "--db", db, "--metric", "val_loss", "--format", "csv")
		if code != 0 {
			t.Fatalf("table exited %d: %s", code, errOut)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("table --format csv: want a header and one run, got %v:\n%s", err, out)
		}
		col := map[string]string{}
		for i, h := range rows[0] {
			col[h] = rows[1][i]
		}
		if col["status"] != "completed" || col["epochs"] != "4" {
			t.Errorf("run: status %q after %q epochs, want completed after 4", col["status"], col["epochs"])
		}
		// y = 3x + 2 + ε, x ~ U(-1, 1), ε ~ N(0, 0.5²): predicting the mean
		// scores Var(y) = 3.25, the true function 0.25.
		loss, err := strconv.ParseFloat(col["final val_loss"], 64)
		if err != nil || !(loss < 0.35) {
			t.Errorf("final val_loss = %q, want < 0.35", col["final val_loss"])
		}
	})

	t.Run("bad beta", func(t *testing.T) {
		src, err := os.ReadFile(yaml)
		if err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(bad, bytes.Replace(src, []byte("beta: 1.0"), []byte("beta: -1"), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		// The error is at the value of beta: its line, and its column (1-based).
		at := bytes.Index(src, []byte("beta: 1.0")) + len("beta: ")
		line := 1 + bytes.Count(src[:at], []byte("\n"))
		col := at - bytes.LastIndexByte(src[:at], '\n')
		want := fmt.Sprintf("%s:%d:%d: model.layers[1].beta: must be > 0, got -1\n", bad, line, col)
		for _, args := range [][]string{{"validate", bad}, {"run", bad, "--db", filepath.Join(dir, "bad.db")}} {
			_, errOut, code := exp(args...)
			if code != 2 || errOut != want {
				t.Errorf("%s bad.yaml: exit %d, stderr %q; want exit 2 and %q", args[0], code, errOut, want)
			}
		}
	})
}
