package tabular

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/text"
	"github.com/exp-runner/exp/registry"
)

// textFile writes body to dir/name and returns its path.
func textFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// textOptions are words, lowercased, 5 ids per row.
func textOptions(cols ...string) *TextOptions {
	o := text.DefaultOptions()
	o.SequenceLength = 5
	return &TextOptions{Columns: cols, Options: o}
}

// TestTextColumns checks a text column from file to token ids: cells read as
// written (a number, "NA" and quoted text with commas are text; an empty
// cell is all padding and is not a missing value), the vocabulary fitted on
// the training rows only, the other columns as the features input, and the
// preprocessing's JSON read back.
func TestTextColumns(t *testing.T) {
	dir := t.TempDir()
	train := textFile(t, dir, "train.csv", `title,x,label
"Fast cars, fast roads",1,a
Slow cars,2,b
NA,3,a
,4,b
007 Bond,5,a
`)
	val := textFile(t, dir, "val.csv", "title,x,label\nfast boats,6,a\n")
	l, err := Load(context.Background(), Spec{Path: train, ValPath: val, Fit: FitOptions{Target: "label", Text: textOptions("title")}})
	if err != nil {
		t.Fatal(err)
	}
	v := l.Pre.Text[0].Vocabulary
	// fast 2, cars 2, then 007, bond, na, roads, slow by their bytes.
	if got := v.Tokens(); !slices.Equal(got, []string{"cars", "fast", "007", "bond", "na", "roads", "slow"}) {
		t.Errorf("vocabulary %v", got)
	}
	if l.Pre.Version != PreprocessingTextVersion || len(l.Pre.Features) != 1 || l.Pre.Features[0].Name != "x" {
		t.Errorf("version %d, features %+v", l.Pre.Version, l.Pre.Features)
	}
	ids := l.Train.Text[0].IDs
	want := []int32{3, 2, 3, 7, 0, 8, 2, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5, 0, 0, 0}
	if !slices.Equal(ids, want) {
		t.Errorf("training ids\n%v, want\n%v", ids, want)
	}
	if got := l.Val.Text[0].IDs; !slices.Equal(got, []int32{3, text.OOVID, 0, 0, 0}) {
		t.Errorf("validation ids %v: boats is out of vocabulary", got)
	}
	ins := l.Pre.Inputs()
	wantIns := []registry.Input{{Name: "title", Shape: []int{5}, DType: registry.Int32}, {Name: "features", Shape: []int{1}, DType: registry.Float32}}
	if !registry.SameInputs(ins, wantIns) || ins[0].Vocabulary != 9 || ins[0].Key != "text.columns[0]" {
		t.Errorf("Inputs = %+v", ins)
	}
	ex := l.Train.Split()
	if !registry.SameInputs(ex.ModelInputs(), ins) || ex.Inputs[1].F32 == nil || ex.N != 5 {
		t.Errorf("Split inputs %+v", ex.ModelInputs())
	}
	st := l.Text[0]
	if st.Train.Empty != 1 || st.Train.Rows != 5 || st.Val == nil || st.Val.OOV != 1 || st.Val.Tokens != 2 {
		t.Errorf("stats %+v %+v", st.Train, st.Val)
	}
	b, err := l.Pre.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePreprocessing(b)
	if err != nil || !back.Text[0].Vocabulary.Equal(v) {
		t.Fatalf("read back: %v", err)
	}
	tab, err := Parse("new.csv", []byte("label,title,x\nb,Fast roads,1\n"), ReadOptions{Raw: back.TextColumns()})
	if err != nil {
		t.Fatal(err)
	}
	d, err := back.Apply(tab, false)
	if err != nil || !slices.Equal(d.Text[0].IDs, []int32{3, 7, 0, 0, 0}) {
		t.Errorf("new rows: %v %v", d.Text, err)
	}
}

// TestTextMissingAndDrop: missing: drop leaves out rows that miss a
// feature, not rows whose text cell is empty; without features, a text
// column alone is the model's input.
func TestTextMissingAndDrop(t *testing.T) {
	dir := t.TempDir()
	path := textFile(t, dir, "d.csv", "body,x,label\n,1,a\nhello,,b\nworld,3,a\nNA,4,b\n")
	l, err := Load(context.Background(), Spec{Path: path, Fit: FitOptions{Target: "label", Missing: MissingDrop, Text: textOptions("body")}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Dropped != 1 || !slices.Equal(l.Train.Lines, []int32{2, 4, 5}) {
		t.Errorf("dropped %d, kept lines %v; want only line 3 (missing x) dropped", l.Dropped, l.Train.Lines)
	}
	only, err := Load(context.Background(), Spec{Path: path, Fit: FitOptions{Target: "label", Features: []string{}, Text: textOptions("body")}})
	if err == nil {
		ins := only.Pre.Inputs()
		if len(ins) != 1 || ins[0].Name != "body" {
			t.Errorf("text alone: inputs %+v", ins)
		}
	} else {
		t.Errorf("text alone: %v", err)
	}
}

// TestTextErrors: a text column not in the header (with a suggestion), the
// target, or also a feature is an error at its data.text.columns key;
// bytes that are not UTF-8 are errors at their file and line, in the
// training and the validation file.
func TestTextErrors(t *testing.T) {
	dir := t.TempDir()
	path := textFile(t, dir, "d.csv", "title,x,label\nok,1,a\nbad \xff\xfe,2,b\n")
	val := textFile(t, dir, "v.csv", "title,x,label\nalso \xc3,1,a\n")
	for _, tt := range []struct {
		cols     []string
		features []string
		key      string
		want     string
	}{
		{[]string{"titel"}, nil, "text.columns[0]", `no column "titel" (did you mean "title"?)`},
		{[]string{"title", "label"}, nil, "text.columns[1]", `text column "label" is the target`},
		{[]string{"title"}, []string{"x", "title"}, "text.columns[0]", `text column "title" is also listed in features`},
	} {
		_, err := Load(context.Background(), Spec{Path: path, Fit: FitOptions{Target: "label", Features: tt.features, Text: textOptions(tt.cols...)}})
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != tt.key || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want %q at %s", tt.cols, err, tt.want, tt.key)
		}
	}
	_, err := Load(context.Background(), Spec{Path: path, ValPath: val, Fit: FitOptions{Target: "label", Text: textOptions("title")}})
	for _, want := range []string{
		path + `:3: column "title": not UTF-8 at byte 5: \xff\xfe`,
		val + `:2: column "title": not UTF-8 at byte 6: \xc3`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant %q", err, want)
		}
	}
}
