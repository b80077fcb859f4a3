package tabular

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func parse(t *testing.T, name, content string) *Table {
	t.Helper()
	tab, err := Parse(name, []byte(content), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

const iris = `sepal,petal,color,species
5.0,1.0,red,setosa
7.0,4.0,blue,versicolor
6.0,5.0,red,virginica
5.0,1.0,green,setosa
`

func TestFitApply(t *testing.T) {
	p, err := Fit(parse(t, "iris.csv", iris), FitOptions{Target: "species"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Task != Classification || !strings.Contains(p.TaskReason, `non-numeric values, e.g. "setosa" at iris.csv:2`) {
		t.Errorf("task %s (%s)", p.Task, p.TaskReason)
	}
	if !slices.Equal(p.Classes, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("classes %q", p.Classes)
	}
	if !slices.Equal(p.InputNames(), []string{"sepal", "petal", "color=blue", "color=green", "color=red"}) {
		t.Errorf("inputs %q", p.InputNames())
	}
	sepal := p.Features[0]
	if sepal.Mean != 5.75 || math.Abs(sepal.Std-math.Sqrt(0.6875)) > 1e-12 || sepal.Min != 5 || sepal.Max != 7 {
		t.Errorf("sepal stats %+v", sepal)
	}
	// New rows: columns in another order, an extra column, no target.
	d, err := p.Apply(parse(t, "new.csv", "extra,color,petal,sepal\nz,green,2.75,7.0\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	std := math.Sqrt(0.6875)
	want := []float32{float32(1.25 / std), 0, 0, 1, 0}
	petal := p.Features[1]
	want[1] = float32((2.75 - petal.Mean) / petal.Std)
	if !slices.Equal(d.X, want) || d.Labels != nil || !slices.Equal(d.Lines, []int32{2}) {
		t.Errorf("X %v, want %v; labels %v lines %v", d.X, want, d.Labels, d.Lines)
	}
	train, err := p.Apply(parse(t, "iris.csv", iris), true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(train.Labels, []int32{0, 1, 2, 0}) || train.Width != 5 || len(train.X) != 20 {
		t.Errorf("labels %v width %d", train.Labels, train.Width)
	}
	if s := train.Split(); s.N != 4 || s.ExampleSize() != 5 {
		t.Errorf("split %d × %d", s.N, s.ExampleSize())
	}
}

func TestPreprocessingJSONRoundTrip(t *testing.T) {
	tab := parse(t, "iris.csv", iris)
	p, err := Fit(tab, FitOptions{Target: "species", Normalize: NormalizeMinMax})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePreprocessing(b)
	if err != nil {
		t.Fatal(err)
	}
	d1, err1 := p.Apply(tab, true)
	d2, err2 := q.Apply(tab, true)
	if err1 != nil || err2 != nil || !slices.Equal(d1.X, d2.X) || !slices.Equal(d1.Labels, d2.Labels) {
		t.Errorf("stored preprocessing applies differently: %v %v", err1, err2)
	}
	if d1.X[0] != 0 || d1.X[5] != 1 { // minmax: sepal 5 → 0, 7 → 1
		t.Errorf("minmax sepal: %v, %v", d1.X[0], d1.X[5])
	}
	for _, bad := range []string{`{`, `{"version": 2}`, `{"version":1,"task":"cluster","normalize":"none","missing":"error","unknown":"error"}`} {
		if _, err := ParsePreprocessing([]byte(bad)); err == nil {
			t.Errorf("ParsePreprocessing(%s): no error", bad)
		}
	}
}

func TestInferTask(t *testing.T) {
	var ints, many strings.Builder
	ints.WriteString("x,y\n")
	many.WriteString("x,y\n")
	for i := range 60 {
		fmt.Fprintf(&ints, "%d,%d\n", i, i%3)
		fmt.Fprintf(&many, "%d,%d\n", i, i)
	}
	tests := []struct {
		name, content string
		task          Task
		reason        string
		classes       []string
	}{
		{"ints", ints.String(), Classification, "only integers, 3 distinct", []string{"0", "1", "2"}},
		{"many", many.String(), Regression, "more than 50 distinct integers", nil},
		{"float", "x,y\n1,0.5\n2,1\n", Regression, "non-integer values, e.g. 0.5 at float:2", nil},
		{"text", "x,y\n1,1\n2,10\n3,2\n4,b\n", Classification, `e.g. "b" at text:5`, []string{"1", "10", "2", "b"}},
	}
	for _, tt := range tests {
		p, err := Fit(parse(t, tt.name, tt.content), FitOptions{Target: "y"})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if p.Task != tt.task || !strings.Contains(p.TaskReason, tt.reason) || !slices.Equal(p.Classes, tt.classes) {
			t.Errorf("%s: %s (%s) %q; want %s (%s) %q", tt.name, p.Task, p.TaskReason, p.Classes, tt.task, tt.reason, tt.classes)
		}
	}
	p, err := Fit(parse(t, "f", "x,y\n1,1\n2,2\n"), FitOptions{Target: "y", Task: Regression})
	if err != nil || p.Task != Regression || p.TaskReason != "set in the config" {
		t.Errorf("task set: %v %+v", err, p)
	}
	d, err := p.Apply(parse(t, "f", "x,y\n1,1e6\n"), true)
	if err != nil || d.Targets[0] != 1e6 {
		t.Errorf("regression target normalized or lost: %v %v", d.Targets, err)
	}
}

func TestConstantColumn(t *testing.T) {
	for _, norm := range []string{NormalizeStandard, NormalizeMinMax, NormalizeNone} {
		tab := parse(t, "c.csv", "c,y\n3,a\n3,b\n")
		p, err := Fit(tab, FitOptions{Target: "y", Normalize: norm})
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.Apply(tab, true)
		if err != nil {
			t.Fatal(err)
		}
		want := float32(0)
		if norm == NormalizeNone {
			want = 3
		}
		if d.X[0] != want || d.X[1] != want {
			t.Errorf("%s: constant column → %v, want %v", norm, d.X, want)
		}
	}
}

func TestMissingValues(t *testing.T) {
	content := "a,c,y\n1,u,p\n,v,q\n3,,p\nNaN,u,q\n5,v,\n6,u,q\n"
	tab := parse(t, "m.csv", content)
	_, err := Fit(tab, FitOptions{Target: "y"})
	for _, w := range []string{`m.csv:3: column "a": missing value`, `m.csv:4: column "c": missing value`,
		`m.csv:5: column "a": missing value`, `m.csv:6: column "y": missing target`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("missing: error\n%v\nlacks %q", err, w)
		}
	}
	p, err := Fit(tab, FitOptions{Target: "y", Missing: MissingDrop})
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Apply(tab, true)
	if err != nil || !slices.Equal(d.Lines, []int32{2, 7}) {
		t.Errorf("drop: lines %v, err %v", d.Lines, err)
	}
	// mean: training mean for numbers (→ 0 once standardized), zeros for
	// categories; a missing target is still an error.
	tab2 := parse(t, "m2.csv", "a,c,y\n1,u,p\n,v,q\n3,,p\n")
	p, err = Fit(tab2, FitOptions{Target: "y", Missing: MissingMean})
	if err != nil {
		t.Fatal(err)
	}
	d, err = p.Apply(tab2, true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Features[0].Mean != 2 || d.X[3] != 0 || !slices.Equal(d.X[7:9], []float32{0, 0}) {
		t.Errorf("mean: X %v", d.X)
	}
	if _, err := Fit(tab, FitOptions{Target: "y", Missing: MissingMean}); err == nil || !strings.Contains(err.Error(), "m.csv:6: column \"y\": missing target") {
		t.Errorf("mean with a missing target: %v", err)
	}
}

func TestNotANumber(t *testing.T) {
	var b strings.Builder
	b.WriteString("area,y\n")
	for i := range 30 {
		v := fmt.Sprint(i * 10)
		if i == 20 {
			v = "n/a"
		}
		fmt.Fprintf(&b, "%s,%d\n", v, i%2)
	}
	tab := parse(t, "data/houses.csv", b.String())
	_, err := Fit(tab, FitOptions{Target: "y"})
	if err == nil || err.Error() != `data/houses.csv:22: column "area": "n/a" is not a number` {
		t.Errorf("got %v", err)
	}
	p, err := Fit(parse(t, "train.csv", "area,y\n1,0\n2,1\n"), FitOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(parse(t, "pred.csv", "area\n1\nbig\n"), false)
	if err == nil || err.Error() != `pred.csv:3: column "area": "big" is not a number` {
		t.Errorf("prediction: got %v", err)
	}
	_, err = Fit(parse(t, "r.csv", "x,y\n1,2\n2,abc\n"), FitOptions{Target: "y", Task: Regression})
	if err == nil || !strings.Contains(err.Error(), `r.csv:3: column "y": "abc" is not a number`) {
		t.Errorf("regression target: %v", err)
	}
}

func TestUnknownCategory(t *testing.T) {
	train := parse(t, "train.csv", "c,y\nred,a\nblue,b\n")
	val := parse(t, "val.csv", "c,y\nred,a\n\npurple,b\nred,z\n")
	p, err := Fit(train, FitOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(val, true)
	for _, w := range []string{`val.csv:4: column "c": category "purple" was not seen in training (known: "blue", "red"`,
		`val.csv:5: column "y": class "z" was not seen in training`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%v\nlacks %q", err, w)
		}
	}
	p, err = Fit(train, FitOptions{Target: "y", Unknown: UnknownIgnore})
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.Apply(val, false)
	if err != nil || !slices.Equal(d.X, []float32{0, 1, 0, 0, 0, 1}) {
		t.Errorf("ignore: X %v, err %v", d.X, err)
	}
}

func TestFitErrors(t *testing.T) {
	tab := parse(t, "iris.csv", iris)
	tests := []struct {
		opt  FitOptions
		want []string
	}{
		{FitOptions{Target: "specis"}, []string{`target: iris.csv:1: no column "specis" (did you mean "species"?)`}},
		{FitOptions{Target: "species", Features: []string{"sepal", "petl", "species", "sepal"}},
			[]string{`features: iris.csv:1: no column "petl" (did you mean "petal"?)`, `"species" is the target`, `"sepal" is listed twice`}},
		{FitOptions{Target: "species", Normalize: "zscore"}, []string{`normalize: "zscore" is not one of "standard", "minmax", "none"`}},
		{FitOptions{Target: "species", Task: "ranking"}, []string{`task: "ranking"`}},
		{FitOptions{}, []string{"no target column"}},
	}
	for _, tt := range tests {
		_, err := Fit(tab, tt.opt)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Fit(%+v): error\n%v\nlacks %q", tt.opt, err, w)
			}
		}
	}
	_, err := Fit(parse(t, "one.csv", "x,y\n1,a\n2,a\n"), FitOptions{Target: "y"})
	if err == nil || !strings.Contains(err.Error(), `one.csv: column "y": classification needs at least 2 classes; the target has 1 ("a")`) {
		t.Errorf("one class: %v", err)
	}
	p, err := Fit(tab, FitOptions{Target: "species"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(parse(t, "new.csv", "sepal,colour\n1,red\n"), false)
	for _, w := range []string{`feature "petal" is missing`, `feature "color" is missing: new.csv:1: no column "color" (did you mean "colour"?)`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("apply: error\n%v\nlacks %q", err, w)
		}
	}
}
