package search

import (
	"math"
	"slices"

	"github.com/exp-runner/exp/internal/rng"
)

// priorWeight is the weight of the prior component of each estimator,
// relative to one recent observation (Optuna's default).
const priorWeight = 1.0

// estimator is a one-parameter Parzen estimator: a weighted mixture over
// the observations and a prior.
type estimator interface {
	sample(rng *rng.Rand) float64
	logPDF(x float64) float64
}

// newEstimator fits p's estimator to the observed values xs with the
// weights ws (one per observation, before the prior is added).
func newEstimator(p Param, xs, ws []float64) estimator {
	if p.Kind == Categorical {
		return newCategorical(p.Choices, xs, ws)
	}
	return newNumerical(p, xs, ws)
}

// mixtureWeights appends the prior's weight and normalises.
func mixtureWeights(ws []float64) []float64 {
	out := append(slices.Clone(ws), priorWeight)
	sum := 0.0
	for _, w := range out {
		sum += w
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// pick returns an index drawn with probabilities ws (summing to 1).
func pick(rng *rng.Rand, ws []float64) int {
	u := rng.Float64()
	for i, w := range ws {
		if u < w {
			return i
		}
		u -= w
	}
	return len(ws) - 1
}

// numerical is a mixture of normals truncated to [lo, hi], in the search
// space of the parameter (log space for LogUniform; for Int, the range
// widened by half a step on each side and the values binned).
type numerical struct {
	lo, hi    float64 // bounds in the search space
	vlo, vhi  float64 // bounds of the values
	integer   bool
	log       bool
	mus, sigs []float64
	ws        []float64
	logZ      []float64 // log of each component's mass inside [lo, hi]
}

func newNumerical(p Param, xs, ws []float64) *numerical {
	e := &numerical{lo: p.Lo, hi: p.Hi, vlo: p.Lo, vhi: p.Hi, integer: p.Kind == Int, log: p.Kind == LogUniform}
	if e.log {
		e.lo, e.hi = math.Log(p.Lo), math.Log(p.Hi)
	}
	if e.integer {
		e.lo, e.hi = e.lo-0.5, e.hi+0.5
	}
	e.mus = make([]float64, 0, len(xs)+1)
	for _, x := range xs {
		e.mus = append(e.mus, e.toSearch(x))
	}
	e.mus = append(e.mus, (e.lo+e.hi)/2) // the prior
	e.sigs = bandwidths(e.mus, e.lo, e.hi)
	e.ws = mixtureWeights(ws)
	e.logZ = make([]float64, len(e.mus))
	for i := range e.mus {
		z := normCDF((e.hi-e.mus[i])/e.sigs[i]) - normCDF((e.lo-e.mus[i])/e.sigs[i])
		e.logZ[i] = math.Log(math.Max(z, 1e-300))
	}
	return e
}

func (e *numerical) toSearch(x float64) float64 {
	if e.log {
		return math.Log(x)
	}
	return x
}

// bandwidths returns each component's sigma as Optuna's univariate TPE
// does: the larger gap to its sorted neighbours (the bounds at the ends,
// except that the outermost components use their inner gap), clipped to
// [range/min(100, n+1), range] (n components, the prior included); the prior (the last mu) gets the range.
func bandwidths(mus []float64, lo, hi float64) []float64 {
	n := len(mus)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(mus[a], mus[b]) })
	pts := make([]float64, 0, n+2)
	pts = append(pts, lo)
	for _, i := range order {
		pts = append(pts, mus[i])
	}
	pts = append(pts, hi)
	sorted := make([]float64, n)
	for j := range sorted {
		sorted[j] = math.Max(pts[j+1]-pts[j], pts[j+2]-pts[j+1])
	}
	if n >= 2 {
		sorted[0] = pts[2] - pts[1]
		sorted[n-1] = pts[n] - pts[n-1]
	}
	span := hi - lo
	minSig := span / math.Min(100, float64(n+1))
	sigs := make([]float64, n)
	for j, i := range order {
		sigs[i] = math.Min(math.Max(sorted[j], minSig), span)
	}
	sigs[n-1] = span
	return sigs
}

func (e *numerical) sample(rng *rng.Rand) float64 {
	i := pick(rng, e.ws)
	mu, sig := e.mus[i], e.sigs[i]
	a, b := normCDF((e.lo-mu)/sig), normCDF((e.hi-mu)/sig)
	u := a + (b-a)*rng.Float64()
	x := mu + sig*math.Sqrt2*math.Erfinv(2*u-1)
	x = math.Min(math.Max(x, e.lo), e.hi)
	switch {
	case e.integer:
		return math.Min(math.Max(math.Round(x), e.lo+0.5), e.hi-0.5)
	case e.log:
		return math.Min(math.Max(math.Exp(x), e.vlo), e.vhi)
	}
	return x
}

func (e *numerical) logPDF(x float64) float64 {
	x = e.toSearch(x)
	terms := make([]float64, len(e.mus))
	for i, mu := range e.mus {
		sig := e.sigs[i]
		var lp float64
		if e.integer {
			m := normCDF((x+0.5-mu)/sig) - normCDF((x-0.5-mu)/sig)
			lp = math.Log(math.Max(m, 1e-300))
		} else {
			z := (x - mu) / sig
			lp = -0.5*z*z - math.Log(sig) - 0.5*math.Log(2*math.Pi)
		}
		terms[i] = math.Log(e.ws[i]) + lp - e.logZ[i]
	}
	return logSumExp(terms)
}

// categorical is a smoothed, weighted histogram of the observed choices,
// as Optuna's: each of the n observations' kernels puts weight 1 on its
// choice and priorWeight/(n+1) on every choice, normalised; the prior is
// uniform.
type categorical struct {
	p []float64 // probability of each choice
}

func newCategorical(n int, xs, ws []float64) *categorical {
	mw := mixtureWeights(ws)
	c := &categorical{p: make([]float64, n)}
	eps := priorWeight / float64(len(xs)+1)
	norm := 1 + eps*float64(n)
	for j := range c.p {
		c.p[j] = mw[len(mw)-1] / float64(n)
	}
	for i, x := range xs {
		for j := range c.p {
			c.p[j] += mw[i] * eps / norm
		}
		c.p[int(x)] += mw[i] / norm
	}
	return c
}

func (c *categorical) sample(rng *rng.Rand) float64 { return float64(pick(rng, c.p)) }

func (c *categorical) logPDF(x float64) float64 { return math.Log(c.p[int(x)]) }

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	s := 0.0
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
