package serve

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/exp-runner/exp/internal/record"
)

// funcs are the templates' functions.
var funcs = template.FuncMap{
	"numeric":   numeric,
	"tableView": newTableView,
	"sortHref":  sortHref,
	"timeText":  timeText,
	"metrics":   record.MetricNames,
	"join":      strings.Join,
	"params":    record.FormatParams,
}

// tableView is the table template's data.
type tableView struct {
	Table    Table
	Query    template.URL // the page's options, encoded
	Sort     string
	Sortable bool // headers link to sorted views
}

func newTableView(t Table, query template.URL, sort string, sortable bool) tableView {
	return tableView{Table: t, Query: query, Sort: sort, Sortable: sortable}
}

// sortHref is the URL of the page sorted by col: ascending, or descending
// when already sorted ascending by it.
func sortHref(query template.URL, current, col string) template.URL {
	q, err := url.ParseQuery(string(query))
	if err != nil {
		q = url.Values{}
	}
	sort := col
	if current == col {
		sort = "-" + col
	}
	q.Set("sort", sort)
	return template.URL("?" + q.Encode()) // encoded: safe as it is
}
