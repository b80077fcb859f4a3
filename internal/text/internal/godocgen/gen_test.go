package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const dataDir = "../../../../configs/data"

// TestCommittedFilesAreCurrent regenerates the dataset and compares it with
// the committed files, when the installed Go is the version they were
// written from.
func TestCommittedFilesAreCurrent(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	version, err := goVersion(goroot)
	if err != nil {
		t.Skipf("no Go installation to read: %v", err)
	}
	notice, err := os.ReadFile(filepath.Join(dataDir, "godoc-NOTICE.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(notice, []byte("standard library of Go\n"+version+",")) {
		t.Skipf("the committed files come from another Go version than %s", version)
	}
	files, err := Files(goroot)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what godocgen writes now; run go run ./internal/text/internal/godocgen -out configs/data", name)
		}
	}
}

// TestCommittedSplit checks the split's promises on the committed files:
// no sentence is on both sides or in two classes, every class is on both
// sides with a fifth of its rows in validation, and no class has more than
// perClass rows.
func TestCommittedSplit(t *testing.T) {
	train := readRows(t, "godoc-train.csv")
	val := readRows(t, "godoc-val.csv")
	labelOf := map[string]string{}
	count := map[string][2]int{}
	for side, rows := range [][][2]string{train, val} {
		for _, r := range rows {
			if l, dup := labelOf[r[0]]; dup {
				t.Errorf("%q appears twice (labels %s and %s)", r[0], l, r[1])
			}
			labelOf[r[0]] = r[1]
			c := count[r[1]]
			c[side]++
			count[r[1]] = c
		}
	}
	if len(count) < 4 || len(count) > 10 {
		t.Errorf("%d classes, want 4 to 10", len(count))
	}
	for l, c := range count {
		n := c[0] + c[1]
		if n > perClass || c[1] != n/5 {
			t.Errorf("class %s: %d train + %d val rows; want at most %d, a fifth (rounded down) in val", l, c[0], c[1], perClass)
		}
	}
}

func readRows(t *testing.T, name string) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || recs[0][0] != "text" || recs[0][1] != "label" {
		t.Fatalf("%s: want a header text,label and rows", name)
	}
	rows := make([][2]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		rows = append(rows, [2]string{r[0], r[1]})
	}
	return rows
}
