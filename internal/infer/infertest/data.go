package infertest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// ClassesCSV writes a small three-class CSV problem into dir (train.csv,
// val.csv: columns id, x1, color, x2, species) and a config training it for
// a few epochs (cls.yaml); it returns the config's path.
func ClassesCSV(t testing.TB, dir string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range []struct {
		name string
		n    int
	}{{"train.csv", 300}, {"val.csv", 100}} {
		var b strings.Builder
		b.WriteString("id,x1,color,x2,species\n")
		for i := range f.n {
			x1, x2 := r.NormFloat64(), r.NormFloat64()
			color := []string{"red", "blue"}[r.IntN(2)]
			s := "c"
			switch {
			case x1+x2 > 0.5:
				s = "a"
			case x1-x2 > 0:
				s = "b"
			}
			fmt.Fprintf(&b, "%d,%.3f,%s,%.3f,%s\n", i, x1, color, x2, s)
		}
		WriteCSV(t, dir, f.name, b.String())
	}
	return WriteCSV(t, dir, "cls.yaml", fmt.Sprintf(`name: cls
data: {dataset: csv, path: %s, val_path: %s, target: species, features: [x1, color, x2]}
model:
  layers:
    - {type: dense, units: 16, activation: relu}
    - {type: dense, units: 3, activation: softmax}
train: {epochs: 4, batch_size: 16, learning_rate: 0.01, eval_batch_size: 32, loss: sparse_categorical_crossentropy}
`, filepath.Join(dir, "train.csv"), filepath.Join(dir, "val.csv")))
}

// RegressionCSV writes y = 2x + 0.5 + noise as train.csv and val.csv
// (columns x, y) into dir, and a config fitting it (reg.yaml); it returns
// the config's path.
func RegressionCSV(t testing.TB, dir string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range []struct {
		name string
		n    int
	}{{"rtrain.csv", 200}, {"rval.csv", 50}} {
		var b strings.Builder
		b.WriteString("x,y\n")
		for range f.n {
			x := 2*r.Float64() - 1
			fmt.Fprintf(&b, "%.4f,%.4f\n", x, 2*x+0.5+0.1*r.NormFloat64())
		}
		WriteCSV(t, dir, f.name, b.String())
	}
	return WriteCSV(t, dir, "reg.yaml", fmt.Sprintf(`name: reg
data: {dataset: csv, path: %s, val_path: %s, target: y}
model:
  layers:
    - {type: dense, units: 1}
train: {epochs: 5, batch_size: 16, learning_rate: 0.05, optimizer: sgd, eval_batch_size: 32, loss: mse}
`, filepath.Join(dir, "rtrain.csv"), filepath.Join(dir, "rval.csv")))
}
