package report

import (
	"fmt"
	"math"
	"testing"

	"github.com/exp-runner/exp/internal/record"
)

func row(t *testing.T, id int64, lr float64, vals ...float64) *Row {
	t.Helper()
	r := &record.Run{ID: id, Name: "s", ModelName: "mlp", Epochs: len(vals),
		ConfigYAML: fmt.Sprintf("name: s\nmodel: {name: mlp, layers: [{type: flatten}]}\ntrain: {learning_rate: %g, seed: %d}\n", lr, id)}
	var eps []*record.Epoch
	for i, v := range vals {
		v := v
		eps = append(eps, &record.Epoch{RunID: id, Epoch: i + 1, ValAccuracy: &v})
	}
	row, err := NewRow(r, eps, "val_accuracy")
	if err != nil {
		t.Fatal(err)
	}
	return row
}

// TestCurves checks the series handed to the plotting library: one per run
// (points = epochs) or per group (mean by epoch, ± sample std band).
func TestCurves(t *testing.T) {
	rows := []*Row{row(t, 1, 0.1, 0.5, 0.7, 0.8), row(t, 2, 0.1, 0.6, 0.9), row(t, 3, 0.01, 0.2, 0.3, 0.4)}
	s := Curves(rows, "val_accuracy", nil)
	if len(s) != 3 || len(s[0].X) != 3 || len(s[1].X) != 2 || s[1].Y[1] != 0.9 || s[0].X[2] != 3 {
		t.Fatalf("per-run series: %+v", s)
	}
	if s[0].Label != "run 1 mlp learning_rate=0.1 seed=1" {
		t.Errorf("label %q", s[0].Label)
	}
	g := Curves(rows, "val_accuracy", []string{"train.learning_rate"})
	if len(g) != 2 || g[0].Label != "learning_rate=0.1 (n=2)" || len(g[0].X) != 3 {
		t.Fatalf("groups: %+v", g)
	}
	// lr 0.1: epoch 1 mean of 0.5, 0.6 = 0.55, std √0.005; epoch 3 only run 1: 0.8, no band there.
	if math.Abs(g[0].Y[0]-0.55) > 1e-12 || math.Abs(g[0].Hi[0]-g[0].Y[0]-math.Sqrt(0.005)) > 1e-12 ||
		g[0].Y[2] != 0.8 || g[0].Lo[2] != 0.8 || g[0].Hi[2] != 0.8 {
		t.Errorf("group mean/band: Y %v Lo %v Hi %v", g[0].Y, g[0].Lo, g[0].Hi)
	}
	if g[1].Lo != nil {
		t.Errorf("a group of one run has a band: %v", g[1].Lo)
	}
}
