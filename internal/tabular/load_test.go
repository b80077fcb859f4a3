package tabular

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// classFile writes a CSV of n rows whose class cycles through classes.
func classFile(t *testing.T, dir, name string, n int, classes ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%s\n", i, classes[i%len(classes)])
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSplit(t *testing.T) {
	path := classFile(t, t.TempDir(), "d.csv", 100, "a", "a", "a", "b")
	spec := Spec{Path: path, Fit: FitOptions{Target: "label"}, ValidationSplit: 0.2, SplitSeed: 3}
	l, err := Load(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if l.Train.N() != 80 || l.Val.N() != 20 {
		t.Fatalf("train %d val %d", l.Train.N(), l.Val.N())
	}
	count := [2]int{}
	for _, c := range l.Val.Labels {
		count[c]++
	}
	if count != [2]int{15, 5} {
		t.Errorf("validation classes %v, want stratified [15 5]", count)
	}
	// Statistics come from the training rows alone.
	var sum float64
	for _, line := range l.Train.Lines {
		sum += float64(line - 2) // x is the row index, on line x+2
	}
	if got, want := l.Pre.Features[0].Mean, sum/80; got != want {
		t.Errorf("mean %v, want the training rows' %v", got, want)
	}
	again, err := Load(context.Background(), spec)
	if err != nil || !slices.Equal(again.Val.Lines, l.Val.Lines) || again.Hash != l.Hash || len(l.Hash) != 64 {
		t.Errorf("not reproducible: %v", err)
	}
	spec.SplitSeed = 4
	if other, _ := Load(context.Background(), spec); slices.Equal(other.Val.Lines, l.Val.Lines) {
		t.Error("another seed held out the same rows")
	}
	// A regression target splits without strata.
	reg := Spec{Path: path, Fit: FitOptions{Target: "x", Features: []string{"label"}}, ValidationSplit: 0.1}
	if l, err := Load(context.Background(), reg); err != nil || l.Pre.Task != Regression || l.Val.N() != 10 {
		t.Errorf("regression split: %v", err)
	}
}

func TestLoadValPath(t *testing.T) {
	dir := t.TempDir()
	spec := Spec{Path: classFile(t, dir, "train.csv", 10, "a", "b"), ValPath: classFile(t, dir, "val.csv", 4, "b", "a"),
		Fit: FitOptions{Target: "label"}}
	l, err := Load(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if l.Train.N() != 10 || l.Val.N() != 4 || !slices.Equal(l.Val.Labels, []int32{1, 0, 1, 0}) {
		t.Errorf("val labels %v", l.Val.Labels)
	}
	spec.ValidationSplit = 0.2
	if _, err := Load(context.Background(), spec); err == nil {
		t.Error("val_path with validation_split: no error")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Path: classFile(t, dir, "rare.csv", 9, "a", "a", "a", "a", "b", "b", "b", "b", "c"),
			Fit: FitOptions{Target: "label"}, ValidationSplit: 0.2},
			`rare.csv: column "label": class "c" has 1 example(s); validation_split needs at least 2 of every class`},
		{Spec{Path: classFile(t, dir, "one.csv", 9, "a"), Fit: FitOptions{Target: "label"}, ValidationSplit: 0.2}, "one class"},
		{Spec{Path: filepath.Join(dir, "absent.csv"), Fit: FitOptions{Target: "label"}}, "absent.csv"},
		{Spec{Path: classFile(t, dir, "t.csv", 9, "a", "b"), Fit: FitOptions{Target: "lable"}, ValidationSplit: 0.2},
			`no column "lable" (did you mean "label"?)`},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%s): error %v\nlacks %q", filepath.Base(tt.spec.Path), err, tt.want)
		}
	}
}

// TestLoadReportsEveryRow: bad cells in the training rows and in the rows
// a validation split holds out are reported together, in line order (the
// README promises every problem at once).
func TestLoadReportsEveryRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,y,label\n")
	for i := range 40 {
		x := fmt.Sprint(i)
		if i%10 == 3 {
			x = "bad" + x
		}
		fmt.Fprintf(&b, "%s,%d,%c\n", x, i%7, 'a'+i%2)
	}
	path := writeFile(t, "rows.csv", b.String())
	_, err := Load(context.Background(), Spec{Path: path, Fit: FitOptions{Target: "label"}, ValidationSplit: 0.5})
	var lines []string
	for _, e := range errlistOf(t, err) {
		lines = append(lines, e.Error())
	}
	want := []string{
		path + `:5: column "x": "bad3" is not a number`,
		path + `:15: column "x": "bad13" is not a number`,
		path + `:25: column "x": "bad23" is not a number`,
		path + `:35: column "x": "bad33" is not a number`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func errlistOf(t *testing.T, err error) []error {
	t.Helper()
	errs, ok := err.(*Errors)
	if !ok {
		t.Fatalf("error %v (%T), want *Errors", err, err)
	}
	return errs.List
}
