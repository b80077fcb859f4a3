package importance

import (
	"errors"
	"math"
	"slices"

	"github.com/exp-runner/exp/internal/search"
)

// Method names the estimate, to print next to the numbers.
const Method = "first-order variance share (epsilon-squared of value ranks over binned parameter values)"

// MaxBins bounds the bins of a parameter.
const MaxBins = 10

// Importance is one parameter's importance.
type Importance struct {
	Name  string
	Value float64 // in [0, 1]: share of the value ranks' variance the parameter explains alone
	Bins  int     // how many groups its trials fell into
}

// Compute returns the importance of each parameter of space from the
// complete trials with a finite value (others are ignored), most
// important first; ties keep the space's order. It needs at least three
// such trials.
func Compute(space search.Space, trials []search.Trial) ([]Importance, error) {
	var xs [][]float64
	var ys []float64
	for _, t := range trials {
		if t.State == search.Complete && !math.IsNaN(t.Value) && !math.IsInf(t.Value, 0) && len(t.Params) == len(space) {
			xs = append(xs, t.Params)
			ys = append(ys, t.Value)
		}
	}
	if len(ys) < 3 {
		return nil, errors.New("importance: needs at least 3 complete trials")
	}
	r := ranks(ys)
	out := make([]Importance, len(space))
	for p, prm := range space {
		col := make([]float64, len(xs))
		for i, x := range xs {
			col[i] = x[p]
		}
		bins := binOf(col, prm)
		out[p] = Importance{Name: prm.Name, Value: epsilonSquared(r, bins), Bins: slices.Max(bins) + 1}
	}
	slices.SortStableFunc(out, func(a, b Importance) int {
		switch {
		case a.Value > b.Value:
			return -1
		case a.Value < b.Value:
			return 1
		}
		return 0
	})
	return out, nil
}

// ranks returns the ranks of ys (1-based, ties get their mean rank).
func ranks(ys []float64) []float64 {
	idx := sortedIndex(ys)
	r := make([]float64, len(ys))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && ys[idx[j+1]] == ys[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func sortedIndex(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	return idx
}

// binOf assigns each value a bin (0-based, in the values' order): one per
// distinct value if there are at most √n (2 to MaxBins) of them or the
// parameter is categorical, otherwise that many equal-count bins, equal
// values always sharing one.
func binOf(col []float64, p search.Param) []int {
	idx := sortedIndex(col)
	distinct := 1
	for i := 1; i < len(idx); i++ {
		if col[idx[i]] != col[idx[i-1]] {
			distinct++
		}
	}
	nb := distinct
	// A numeric parameter with more distinct values than √n (2 to MaxBins)
	// is binned: one value per bin would leave no variance within bins.
	if equal := max(2, min(MaxBins, int(math.Sqrt(float64(len(col)))))); p.Kind != search.Categorical && distinct > equal {
		nb = equal
	}
	bins := make([]int, len(col))
	b := 0
	for i, j := range idx {
		switch {
		case i == 0:
		case col[j] == col[idx[i-1]]:
		case nb == distinct:
			b++
		default:
			b = max(b, i*nb/len(col))
		}
		bins[j] = b
	}
	return bins
}

// epsilonSquared is the one-way ANOVA effect size of grouping y by bins,
// clipped to [0, 1].
func epsilonSquared(y []float64, bins []int) float64 {
	nb := slices.Max(bins) + 1
	sum, cnt := make([]float64, nb), make([]float64, nb)
	mean := 0.0
	for i, v := range y {
		sum[bins[i]] += v
		cnt[bins[i]]++
		mean += v
	}
	mean /= float64(len(y))
	total, within := 0.0, 0.0
	for i, v := range y {
		d, w := v-mean, v-sum[bins[i]]/cnt[bins[i]]
		total += d * d
		within += w * w
	}
	if total == 0 || nb < 2 || len(y) <= nb {
		return 0
	}
	between := total - within
	e := (between - float64(nb-1)*within/float64(len(y)-nb)) / total
	return math.Min(math.Max(e, 0), 1)
}
