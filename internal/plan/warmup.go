package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/config"
	"github.com/exp-runner/exp/internal/layers"
)

// warmupFactor is how many times 1/(1−momentum) steps moving averages need
// to forget their initial values: after 3/(1−m) steps their weight is
// m^(3/(1−m)) ≈ e⁻³, 5%.
const warmupFactor = 3

// trainSteps is the number of training steps a trial of cfg takes on
// n training examples: epochs × batches per epoch.
func trainSteps(cfg *config.Config, n int) int {
	bs := max(cfg.Train.BatchSize, 1)
	return cfg.Train.Epochs * ((n + bs - 1) / bs)
}

// batchNormMomentum returns the largest momentum of cfg's batchnorm
// layers, and whether it has any.
func batchNormMomentum(cfg *config.Config) (float64, bool) {
	m, any := 0.0, false
	for _, l := range cfg.Model.Layers {
		if bn, ok := l.Spec.(*layers.BatchNorm); ok {
			m, any = max(m, bn.Momentum), true
		}
	}
	return m, any
}

// warmupWarnings returns a warning for each group of trials (by index)
// whose batchnorm moving averages cannot warm up: fewer training steps
// than warmupFactor/(1−momentum). Such a model evaluates with averages
// still near their initial values, often at chance level, though it
// trained well. trainN gives each trial's training examples.
func (p *Plan) warmupWarnings(trainN map[int]int) []string {
	type group struct {
		steps, need, epochs, batches int
		momentum                     float64
		trials                       []int
	}
	groups := map[string]*group{}
	for _, t := range p.Trials {
		m, ok := batchNormMomentum(t.Config)
		n, known := trainN[t.Index]
		if !ok || !known {
			continue
		}
		steps := trainSteps(t.Config, n)
		need := int(float64(warmupFactor)/(1-m) + 0.5)
		if steps >= need {
			continue
		}
		key := fmt.Sprint(steps, m)
		g := groups[key]
		if g == nil {
			bs := max(t.Config.Train.BatchSize, 1)
			g = &group{steps: steps, need: need, momentum: m, epochs: t.Config.Train.Epochs, batches: (n + bs - 1) / bs}
			groups[key] = g
		}
		g.trials = append(g.trials, t.Index)
	}
	var out []string
	for _, g := range groups {
		who := "the model's"
		if p.Sweep {
			who = "trial " + joinInts(g.trials) + ": the"
			if len(g.trials) > 1 {
				who = "trials " + joinInts(g.trials) + ": the"
			}
		}
		out = append(out, fmt.Sprintf("%s batchnorm (momentum %g) trains for %d steps (%d epochs × %d batches), fewer than the %d = 3/(1−momentum) its moving averages need to warm up: "+
			"evaluation would use averages still near their starting values and may score near chance. Train for more steps (more epochs or examples, or a smaller batch_size), or lower the momentum (momentum: 0.9 warms up in 30 steps)",
			who, g.momentum, g.steps, g.epochs, g.batches, g.need))
	}
	sort.Strings(out)
	return out
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
