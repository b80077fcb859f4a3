package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets the test binary stand in for exp when exp run starts trial
// processes: they are started with EXP_TEST_AS_EXP=1.
func TestMain(m *testing.M) {
	if os.Getenv("EXP_TEST_AS_EXP") == "1" {
		ctx, stop := NotifySignals(context.Background())
		main := New()
		main.Exe = os.Args[0]
		main.ChildEnv = childEnv
		code := main.Run(ctx, os.Args[1:])
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

var childEnv = []string{"EXP_TEST_AS_EXP=1"}

// testdata is the absolute path of this package's testdata folder, so that
// golden files are found from tests that change the working directory.
var testdata = func() string {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return dir
}()

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// run runs exp with args and returns its exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }, Exe: os.Args[0], ChildEnv: childEnv}
	code := m.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// TestConfigErrors checks the message and exit code for one config per class
// of error: every error in a file, each at FILE:LINE:COL (or its flag).
func TestConfigErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/config_errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatal("no test configs", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			args := []string{"validate", file}
			if m := regexp.MustCompile(`(?m)^# args: (.*)$`).FindSubmatch(src); m != nil {
				args = append(args, splitArgs(string(m[1]))...)
			}
			if bytes.Contains(src, []byte("# setup: truncated-idx")) {
				dir := filepath.Join(tmp, "mnist")
				writeTruncatedMNIST(t, dir)
				cfgPath := filepath.Join(tmp, filepath.Base(file))
				if err := os.WriteFile(cfgPath, bytes.ReplaceAll(src, []byte("BROKEN_DIR"), []byte(dir)), 0o644); err != nil {
					t.Fatal(err)
				}
				args = []string{"run", cfgPath, "--db", filepath.Join(tmp, "runs.db")}
			}
			if bytes.Contains(src, []byte("# setup: text-data")) {
				writeTextData(t, filepath.Join(tmp, "data"))
				cfgPath := filepath.Join(tmp, filepath.Base(file))
				if err := os.WriteFile(cfgPath, src, 0o644); err != nil {
					t.Fatal(err)
				}
				args[1] = cfgPath
			}
			code, out, errOut := run(t, nil, args...)
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitUsage, out, errOut)
			}
			if out != "" {
				t.Errorf("unexpected stdout:\n%s", out)
			}
			got := strings.ReplaceAll(errOut, tmp, "TMP")
			golden(t, "config_errors/"+name+".golden", got)
		})
	}
}

// splitArgs splits a line of arguments at spaces, honouring double quotes.
func splitArgs(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(s, -1) {
		if m[1] != "" {
			out = append(out, m[1])
		} else {
			out = append(out, m[2])
		}
	}
	return out
}

// writeTruncatedMNIST writes MNIST-named idx files into dir whose training
// images stop short of what their header promises.
func writeTruncatedMNIST(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	idx := func(magic byte, dims []uint32, data int) []byte {
		b := []byte{0, 0, 8, magic}
		for _, d := range dims {
			b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
		}
		return append(b, make([]byte, data)...)
	}
	files := map[string][]byte{
		"train-images-idx3-ubyte": idx(3, []uint32{100, 28, 28}, 1000), // truncated: 78,400 promised
		"train-labels-idx1-ubyte": idx(1, []uint32{100}, 100),
		"t10k-images-idx3-ubyte":  idx(3, []uint32{10, 28, 28}, 7840),
		"t10k-labels-idx1-ubyte":  idx(1, []uint32{10}, 10),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeTextData writes into dir the CSV files of the text configs in
// testdata/config_errors: tickets.csv, with three text columns (title,
// body, and dense, named like a layer), a number (priority) and a label, and bad-utf8.csv, whose body holds bytes
// that are not UTF-8 on lines 3 and 5.
func writeTextData(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tickets := "title,body,dense,priority,label\n"
	for i := range 12 {
		tickets += fmt.Sprintf("printer %d jams,the printer on floor %d jams again,note %d,%d,%s\n", i, i, i, i%3, []string{"hardware", "network"}[i%2])
	}
	files := map[string]string{
		"tickets.csv":  tickets,
		"bad-utf8.csv": "body,label\nfine,a\ncaf\xe9 au lait,b\nfine too,a\n\xff\xfe,b\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
