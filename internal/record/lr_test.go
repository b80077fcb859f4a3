package record

import (
	"slices"
	"testing"
)

// TestLR: lr is an epoch value that can be looked up and plotted, but is
// neither ranked nor listed among the ranked metrics.
func TestLR(t *testing.T) {
	m, ok := LookupMetric(LR)
	if !ok || m.Direction != Unranked || Ranked(LR) || slices.Contains(MetricNames(), LR) {
		t.Errorf("lr: %+v %v, ranked %v, names %v", m, ok, Ranked(LR), MetricNames())
	}
	if !Ranked(ValLoss) || Ranked("nope") {
		t.Errorf("Ranked(val_loss) %v, Ranked(nope) %v", Ranked(ValLoss), Ranked("nope"))
	}
	lr := 0.5
	if e := (Epoch{LR: &lr}); e.Value(LR) != &lr || Better(LR, 1, 0) {
		t.Errorf("Value(lr) = %v; Better(lr, 1, 0) = %v", e.Value(LR), Better(LR, 1, 0))
	}
}
