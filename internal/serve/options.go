package serve

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/exp-runner/exp/internal/report"
)

// The options a page's URL may carry. Each route reads some of them; the
// others are dropped before the answer is looked up, so that they neither
// change the answer nor make a new cache entry (?sort= on a run's page).
const (
	optMetric  = "metric"
	optGroupBy = "group-by"
	optSort    = "sort"
	// optVersion asks for a chart at a data version (pages add it).
	optVersion = "v"
	// optToken is the token (see authorized), removed by a redirect.
	optToken = "token"
)

// pageOptions are the options a page shows; knownOptions every option.
var (
	pageOptions  = []string{optMetric, optGroupBy, optSort}
	knownOptions = []string{optMetric, optGroupBy, optSort, optVersion, optToken}
)

// Limits of an option: its length in bytes, and the key paths of group-by
// and the columns of sort.
const (
	maxOptionBytes = 512
	maxGroupBy     = 8
	maxSortKeys    = 8
)

// parseOptions checks the options of query and returns the view a route
// reading the options in reads gets: unknown options, repeated ones and
// ones over maxOptionBytes are errors (400); known options the route does
// not read are dropped. Values are normalised (group-by and sort without
// blanks or repeated names), so that equal views have equal encodings.
func parseOptions(query url.Values, reads []string) (View, error) {
	var v View
	for _, k := range slices.Sorted(maps.Keys(query)) {
		vals := query[k]
		switch {
		case !slices.Contains(knownOptions, k):
			return v, badRequest(fmt.Errorf("unknown option %s (options: %s)", short(k), strings.Join(pageOptions, ", ")))
		case len(vals) > 1:
			return v, badRequest(fmt.Errorf("option %s given %d times", k, len(vals)))
		case len(vals[0]) > maxOptionBytes:
			return v, badRequest(fmt.Errorf("option %s is longer than %d bytes", k, maxOptionBytes))
		}
	}
	reads = slices.DeleteFunc(slices.Clone(reads), func(k string) bool { return query.Get(k) == "" })
	for _, k := range reads {
		var err error
		switch val := query.Get(k); k {
		case optMetric:
			var m report.Metric
			m, err = report.ParseMetric(val)
			v.Metric = string(m)
		case optGroupBy:
			v.GroupBy, err = parseGroupBy(val)
		case optSort:
			v.Sort, err = parseSort(val)
		}
		if err != nil {
			return v, badRequest(fmt.Errorf("%s: %w", k, err))
		}
	}
	return v, nil
}

// parseGroupBy reads group-by: at most maxGroupBy key paths (or variant,
// status, id), each once.
func parseGroupBy(s string) ([]string, error) {
	paths, err := report.ParsePaths(s)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) > maxGroupBy {
		return nil, fmt.Errorf("%d key paths; at most %d", len(out), maxGroupBy)
	}
	return out, nil
}

// parseSort reads sort: at most maxSortKeys column names, each optionally
// prefixed with -, without blanks around them. Whether they name columns
// is known once the table is.
func parseSort(s string) (string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if strings.TrimSpace(strings.TrimPrefix(part, "-")) == "" {
			return "", errors.New("an empty column name")
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	if len(out) > maxSortKeys {
		return "", fmt.Errorf("%d columns; at most %d", len(out), maxSortKeys)
	}
	return strings.Join(out, ","), nil
}

// encode is the view's options as a URL query, in a fixed order ("" for
// none): the cache's key and the pages' links use it.
func (v View) encode() string {
	q := url.Values{}
	if v.Metric != "" {
		q.Set(optMetric, v.Metric)
	}
	if v.GroupBy != nil {
		q.Set(optGroupBy, strings.Join(v.GroupBy, ","))
	}
	if v.Sort != "" {
		q.Set(optSort, v.Sort)
	}
	return q.Encode()
}

// checkPaths refuses group-by key paths that none of rows has (a 400 that
// names the first), rather than show one group of runs without it.
func checkPaths(rows []*report.Row, paths []string) error {
	if len(rows) == 0 {
		return nil
	}
	for _, p := range paths {
		if !slices.ContainsFunc(rows, func(r *report.Row) bool { _, ok := r.Value(p); return ok }) {
			return badRequest(fmt.Errorf("group-by: no trial has %s", short(p)))
		}
	}
	return nil
}

// short quotes s, cut to 60 characters: an error's echo of request text
// stays short.
func short(s string) string {
	const n = 60
	if utf8.RuneCountInString(s) <= n {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", string([]rune(s)[:n]))
}
