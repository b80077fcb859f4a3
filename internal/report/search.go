package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"

	"github.com/exp-runner/exp/internal/htmlreport"
	"github.com/exp-runner/exp/internal/importance"
	"github.com/exp-runner/exp/internal/record"
	"github.com/exp-runner/exp/internal/search"
)

// Search is a sweep's trials as the search charts and the importance
// estimate see them: one axis per key path in the trials' params, one
// trial per row that has a value for every axis.
type Search struct {
	Axes   []htmlreport.SearchAxis
	Trials []htmlreport.SearchTrial
	Metric Metric
}

// SearchOf returns the search view of rows with the best value of metric
// of each, or nil when the rows have no axes. Axes are inferred from the
// recorded values: an axis whose values are all numbers is numeric (an
// integer axis if all are integers; log scale when all are positive and
// span more than two decades), any other is a choice among its values in
// order of first appearance.
func SearchOf(rows []*Row, metric Metric) *Search {
	var paths []string
	for _, r := range rows {
		for k := range r.Run.Params {
			if !slices.Contains(paths, k) {
				paths = append(paths, k)
			}
		}
	}
	if len(paths) == 0 {
		return nil
	}
	sort.Strings(paths)
	s := &Search{Metric: metric}
	for _, p := range paths {
		s.Axes = append(s.Axes, inferAxis(p, rows))
	}
	for _, r := range rows {
		x, ok := s.point(r.Run.Params)
		if !ok {
			continue
		}
		v := math.NaN()
		if r.Best != nil {
			v = *r.Best
		}
		s.Trials = append(s.Trials, htmlreport.SearchTrial{Label: fmt.Sprintf("trial %d (run %d)", r.Run.Trial, r.Run.ID), Params: x, Value: v})
	}
	return s
}

// inferAxis returns the axis of key path p from the rows' values.
func inferAxis(p string, rows []*Row) htmlreport.SearchAxis {
	a := htmlreport.SearchAxis{Param: search.Param{Name: p, Kind: search.Int, Lo: math.Inf(1), Hi: math.Inf(-1)}}
	numeric := true
	for _, r := range rows {
		v, ok := r.Run.Params[p]
		if !ok {
			continue
		}
		label := record.FormatValue(v)
		if !slices.Contains(a.Labels, label) {
			a.Labels = append(a.Labels, label)
		}
		f, isNum := v.(float64)
		if !isNum {
			numeric = false
			continue
		}
		a.Lo, a.Hi = math.Min(a.Lo, f), math.Max(a.Hi, f)
		if f != math.Trunc(f) {
			a.Kind = search.Uniform
		}
	}
	switch {
	case !numeric:
		a.Kind, a.Choices, a.Lo, a.Hi = search.Categorical, len(a.Labels), 0, 0
	case a.Lo > 0 && a.Hi/a.Lo > 100:
		a.Kind, a.Labels = search.LogUniform, nil
	default:
		a.Labels = nil
	}
	return a
}

// point returns the trial's values on the axes, or false if one is missing.
func (s *Search) point(params map[string]any) ([]float64, bool) {
	x := make([]float64, len(s.Axes))
	for i, a := range s.Axes {
		v, ok := params[a.Name]
		if !ok {
			return nil, false
		}
		if a.Kind == search.Categorical {
			x[i] = float64(slices.Index(a.Labels, record.FormatValue(v)))
			continue
		}
		x[i] = v.(float64)
	}
	return x, true
}

// Space returns the axes as a search space.
func (s *Search) Space() search.Space {
	out := make(search.Space, len(s.Axes))
	for i, a := range s.Axes {
		out[i] = a.Param
	}
	return out
}

// Importance returns each axis's importance for the metric over the trials
// with a value (importance.Compute, whose Method names the estimate).
func (s *Search) Importance() ([]importance.Importance, error) {
	var trials []search.Trial
	for _, t := range s.Trials {
		if !math.IsNaN(t.Value) {
			trials = append(trials, search.Trial{Params: t.Params, State: search.Complete, Value: t.Value})
		}
	}
	return importance.Compute(s.Space(), trials)
}

// WriteImportance prints each axis's importance, most important first,
// with the method that estimates it.
func (s *Search) WriteImportance(w io.Writer) error {
	imps, err := s.Importance()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "importance of each axis for the best %s of %d trials\nmethod: %s\n\n", s.Metric, len(s.Trials), importance.Method)
	width := 0
	for _, im := range imps {
		width = max(width, len(im.Name))
	}
	for _, im := range imps {
		bar := int(math.Round(im.Value * 40))
		fmt.Fprintf(w, "  %-*s  %.3f  %s\n", width, im.Name, im.Value, bars(bar))
	}
	return nil
}

func bars(n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = '█'
	}
	return string(b)
}

// SearchFigures returns the search charts of rows for the HTML report: the
// importance bars (with at least 3 trials with a value), the parallel
// coordinates and one slice plot per axis; none without axes.
func SearchFigures(rows []*Row, metric Metric) []htmlreport.Figure {
	s := SearchOf(rows, metric)
	if s == nil || len(s.Trials) == 0 {
		return nil
	}
	var figs []htmlreport.Figure
	if imps, err := s.Importance(); err == nil {
		figs = append(figs, htmlreport.ImportanceChart(imps, importance.Method, string(metric)))
	}
	figs = append(figs, htmlreport.ParallelCoordinates(s.Axes, s.Trials, string(metric)))
	return append(figs, htmlreport.SlicePlots(s.Axes, s.Trials, string(metric))...)
}
