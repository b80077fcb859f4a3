package tabular

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/exp-runner/exp/internal/suggest"
)

// Names returns the column names in header order.
func (t *Table) Names() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Column returns the column called name; the error lists the columns and
// suggests the nearest name.
func (t *Table) Column(name string) (*Column, error) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, nil
		}
	}
	names := t.Names()
	msg := fmt.Sprintf("no column %q", name)
	if s := suggest.Nearest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	msg += "; the header has " + quoteList(names, 12)
	return nil, &CellError{Path: t.Path, Line: 1, Msg: msg}
}

// quoteList quotes up to max names, comma-separated.
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", … (%d in all)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// Subset returns a table of rows rows of t, in that order, sharing t's
// levels.
func (t *Table) Subset(rows []int) *Table {
	out := &Table{Path: t.Path, Lines: make([]int32, len(rows))}
	for i, r := range rows {
		out.Lines[i] = t.Lines[r]
	}
	for _, c := range t.Columns {
		nc := &Column{Name: c.Name, Num: make([]float64, len(rows)), Levels: c.Levels}
		for i, r := range rows {
			nc.Num[i] = c.Num[r]
		}
		if c.Text != nil {
			nc.Text = make([]int32, len(rows))
			for i, r := range rows {
				nc.Text[i] = c.Text[r]
			}
		}
		if c.Raw != nil {
			nc.Raw = make([]string, len(rows))
			for i, r := range rows {
				nc.Raw[i] = c.Raw[r]
			}
		}
		out.Columns = append(out.Columns, nc)
	}
	return out
}

// Missing reports whether row i's cell is missing.
func (c *Column) Missing(i int) bool {
	return math.IsNaN(c.Num[i]) && (c.Text == nil || c.Text[i] < 0)
}

// NotNumber reports whether row i's cell holds text that is not a number.
func (c *Column) NotNumber(i int) bool {
	return math.IsNaN(c.Num[i]) && c.Text != nil && c.Text[i] >= 0
}

// Value returns row i's cell as text: the text itself, or the number in
// canonical form; "" when missing.
func (c *Column) Value(i int) string {
	if c.Text != nil {
		if c.Text[i] < 0 {
			return ""
		}
		return c.Levels[c.Text[i]]
	}
	if math.IsNaN(c.Num[i]) {
		return ""
	}
	return strconv.FormatFloat(c.Num[i], 'g', -1, 64)
}

// counts returns how many of the column's cells are numbers, text and missing.
func (c *Column) counts() (numbers, text, missing int) {
	for i, v := range c.Num {
		switch {
		case !math.IsNaN(v):
			numbers++
		case c.Text != nil && c.Text[i] >= 0:
			text++
		default:
			missing++
		}
	}
	return numbers, text, missing
}

// LooksNumeric reports whether a column with some text is nevertheless a
// numeric column with a few bad cells: more than 90% of its non-missing
// cells are numbers. Such text is reported as an error rather than making
// the column categorical.
func (c *Column) LooksNumeric() bool {
	if c.Text == nil {
		return true
	}
	numbers, text, _ := c.counts()
	return text == 0 || numbers > 9*text
}

// DropMissing returns t without the rows that miss a value in any of the
// named columns (all of which must exist), and how many rows it dropped.
func (t *Table) DropMissing(names []string) (*Table, int, error) {
	var cols []*Column
	for _, n := range names {
		c, err := t.Column(n)
		if err != nil {
			return nil, 0, err
		}
		cols = append(cols, c)
	}
	keep := make([]int, 0, t.N())
	for i := range t.N() {
		ok := true
		for _, c := range cols {
			if c.Missing(i) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, i)
		}
	}
	if len(keep) == t.N() {
		return t, 0, nil
	}
	return t.Subset(keep), t.N() - len(keep), nil
}
