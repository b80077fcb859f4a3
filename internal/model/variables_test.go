package model

import (
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
)

// TestVariables: the shapes Variables reports are those of the variables
// a prediction creates when it runs, and finding them allocates none.
func TestVariables(t *testing.T) {
	be, err := backends.NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, "{type: conv2d, filters: 4, kernel_size: 3}", "{type: batchnorm}", "{type: flatten}",
		"{type: dropout, rate: 0.5}", "{type: dense, units: 10, activation: softmax}")
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Variables(be)
	if err != nil {
		t.Fatal(err)
	}
	ctx := mlctx.New()
	e, err := mlctx.NewExec(be, ctx, m.PredictStep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Exec(tensors.FromShape(m.Inputs(2))); err != nil {
		t.Fatal(err)
	}
	n := 0
	for v := range ctx.IterVariables() {
		if v.Name() == mlctx.RNGStateVariableName {
			continue // made to initialize the weights, not read by the prediction
		}
		n++
		if s, ok := got[v.ParameterName()]; !ok || !s.Equal(v.Shape()) {
			t.Errorf("%s: a prediction creates it with shape %s; Variables says %s (found %v)", v.ParameterName(), v.Shape(), s, ok)
		}
	}
	if n != len(got) || n != 8 {
		t.Errorf("a prediction creates %d variables, Variables lists %d: %v; want 8 (conv 2, batchnorm 4, dense 2)", n, len(got), got)
	}

	// A dense layer of 784×100000 float32 (314 MB) is described, not allocated.
	big, err := New(parse(t, "{type: flatten}", "{type: dense, units: 100000}", "{type: dense, units: 10}"))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	vars, err := big.Variables(be)
	runtime.ReadMemStats(&after)
	if err != nil || vars["var:/model/dense/kernel"].Size() != 784*100000 {
		t.Fatalf("%v, %v", vars, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
		t.Errorf("Variables allocated %d bytes", n)
	}
}
