package tabular

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// ReadOptions says how to split a CSV file.
type ReadOptions struct {
	Delimiter byte // the field separator; 0 means ','
}

// Table is a CSV file in memory, column by column. Every cell is kept as a
// number where it is one; a column with any other text also keeps each
// cell's text (numbers in the canonical form strconv.FormatFloat(v, 'g', -1)
// gives, so "7", "7.0" and "007" are one category wherever they appear).
type Table struct {
	Path    string    // the file, as named in errors
	Columns []*Column // in header order
	Lines   []int32   // the physical line on which each row starts (header = 1)
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Num holds each row's number; NaN where the cell is missing (empty, NA,
	// NaN, nan) or not a number.
	Num []float64
	// Text is nil when every cell is a number or missing. Otherwise it holds
	// each row's index into Levels, or -1 where the cell is missing.
	Text   []int32
	Levels []string // distinct texts, in order of first appearance
}

// N is the number of data rows.
func (t *Table) N() int { return len(t.Lines) }

// ReadFile reads the CSV file at path (gzip-compressed when it ends in .gz
// or starts with gzip's magic bytes). The first line must be a header naming
// every column. Blank lines are skipped. Problems are reported together as
// *Errors of *CellError, each naming the file, the physical line and the
// column.
func ReadFile(path string, opt ReadOptions) (*Table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".gz") || bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		raw, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return Parse(path, raw, opt)
}

// Parse reads CSV data as ReadFile does; name is the file named in errors.
func Parse(name string, data []byte, opt ReadOptions) (*Table, error) {
	delim := opt.Delimiter
	if delim == 0 {
		delim = ','
	}
	if delim == '"' || delim == '\n' || delim == '\r' || delim >= 0x80 {
		return nil, fmt.Errorf("%s: delimiter %q cannot separate fields", name, delim)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &CellError{Path: name, Msg: "the file is empty; a header row naming the columns is required"}
	}
	names, body, bodyLine, err := parseHeader(name, data, delim)
	if err != nil {
		return nil, err
	}
	t := &Table{Path: name}
	if err := t.parseBody(body, bodyLine, names, delim); err != nil {
		return nil, err
	}
	if t.N() == 0 {
		return nil, &CellError{Path: name, Msg: "the file has a header but no data rows"}
	}
	return t, nil
}

// parseHeader reads the header row: column names, non-empty and distinct,
// not all of them numbers (which means the file has no header).
func parseHeader(name string, data []byte, delim byte) (names []string, body []byte, bodyLine int, err error) {
	s := &scanner{buf: data, delim: delim}
	for s.atBlank() {
	}
	headerLine := s.line + 1
	allNumbers := true
	for end := false; !end; {
		var f []byte
		f, end = s.field()
		f = trimSpace(f)
		names = append(names, string(f))
		_, isNum := parseNumber(f)
		allNumbers = allNumbers && isNum
	}
	errs := &Errors{}
	if s.err != nil {
		errs.Add(&CellError{Path: name, Line: s.err.line + 1, Msg: s.err.msg})
	}
	if allNumbers {
		errs.Add(&CellError{Path: name, Line: headerLine,
			Msg: fmt.Sprintf("no header: the first line holds only numbers (%s); a header row naming the columns is required",
				strings.Join(names[:min(len(names), 5)], string(delim)))})
		return nil, nil, 0, errs
	}
	seen := map[string]int{}
	for i, n := range names {
		switch {
		case n == "":
			errs.Add(&CellError{Path: name, Line: headerLine, Msg: fmt.Sprintf("header: column %d has no name", i+1)})
		case seen[n] > 0:
			errs.Add(&CellError{Path: name, Line: headerLine, Msg: fmt.Sprintf("header: columns %d and %d are both named %q", seen[n], i+1, n)})
		default:
			seen[n] = i + 1
		}
	}
	return names, data[s.pos:], s.line + 1, errs.Err()
}

// parseBody parses the rows after the header: numbers first, in parallel
// chunks, then the text of the columns that are not all numbers.
func (t *Table) parseBody(body []byte, bodyLine int, names []string, delim byte) error {
	chunks := splitChunks(body)
	res := make([]*chunk, len(chunks))
	parallel(len(chunks), func(i int) {
		res[i] = &chunk{buf: chunks[i]}
		res[i].numbers(len(names), delim)
	})
	base := bodyLine
	errs := &Errors{}
	for _, c := range res {
		c.base = base
		for _, e := range c.errs {
			ce := &CellError{Path: t.Path, Line: base + e.line, Msg: e.msg}
			if e.column >= 0 {
				ce.Column = names[e.column]
			}
			errs.Add(ce)
		}
		errs.More += c.moreErrs
		base += c.newlines
	}
	if err := errs.Err(); err != nil {
		return err
	}
	t.assemble(res, names, delim)
	return nil
}

// chunkSize is the least data worth a goroutine of its own.
const chunkSize = 1 << 20

// splitChunks cuts body at line ends into about twice as many pieces as
// there are processors. A body with a quote in it stays whole: a quoted
// field may hold a newline, and only a scan from the start knows.
func splitChunks(body []byte) [][]byte {
	n := min(len(body)/chunkSize, 2*runtime.GOMAXPROCS(0))
	if n <= 1 || bytes.IndexByte(body, '"') >= 0 {
		return [][]byte{body}
	}
	var out [][]byte
	start := 0
	for k := 1; k < n; k++ {
		cut := max(start, k*len(body)/n)
		nl := bytes.IndexByte(body[cut:], '\n')
		if nl < 0 {
			break
		}
		out = append(out, body[start:cut+nl+1])
		start = cut + nl + 1
	}
	return append(out, body[start:])
}

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines and waits.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	wg.Wait()
}

// chunk is a piece of the body and what was parsed from it.
type chunk struct {
	buf      []byte
	base     int         // physical line of buf's first byte
	newlines int         // newlines in buf
	lines    []int32     // each row's line relative to buf
	nums     [][]float64 // per column
	bad      []int       // per column: cells that are neither numbers nor missing
	text     [][]int32   // per column with text: codes into levels
	levels   [][]string
	errs     []rowErr
	moreErrs int // problems found past maxChunkErrs
}

// maxChunkErrs bounds the problems one chunk keeps (Errors caps the total).
const maxChunkErrs = MaxErrors + 1

// numbers parses every row of the chunk as numbers, counting the cells that
// are not, and records ragged rows and malformed quotes.
func (c *chunk) numbers(ncol int, delim byte) {
	s := &scanner{buf: c.buf, delim: delim}
	estimate := bytes.Count(c.buf, []byte{'\n'}) + 1
	c.lines = make([]int32, 0, estimate)
	c.nums = make([][]float64, ncol)
	for j := range c.nums {
		c.nums[j] = make([]float64, 0, estimate)
	}
	c.bad = make([]int, ncol)
	nan := math.NaN()
	for s.pos < len(s.buf) {
		if s.atBlank() {
			continue
		}
		line := s.line
		col := 0
		for end := false; !end; col++ {
			var f []byte
			f, end = s.field()
			if col >= ncol {
				continue
			}
			f = trimSpace(f)
			v, ok := parseNumber(f)
			if !ok {
				v = nan
				if !isMissing(f) {
					c.bad[col]++
				}
			}
			c.nums[col] = append(c.nums[col], v)
		}
		if s.err != nil || col != ncol {
			c.dropRow(line, col, ncol, s)
			continue
		}
		c.lines = append(c.lines, int32(line))
	}
	c.newlines = s.line
}

// dropRow takes back a malformed row's cells and records why it was bad.
func (c *chunk) dropRow(line, col, ncol int, s *scanner) {
	for j := range min(col, ncol) {
		c.nums[j] = c.nums[j][:len(c.nums[j])-1]
	}
	if len(c.errs) >= maxChunkErrs {
		s.err = nil
		c.moreErrs++
		return
	}
	if s.err != nil {
		c.errs = append(c.errs, *s.err)
		s.err = nil
		return
	}
	c.errs = append(c.errs, rowErr{line: line, column: -1,
		msg: fmt.Sprintf("the row has %d fields, the header %d", col, ncol)})
}

// assemble joins the chunks' columns and, for columns with text, reads the
// text in a second pass.
func (t *Table) assemble(res []*chunk, names []string, delim byte) {
	n := 0
	for _, c := range res {
		n += len(c.lines)
	}
	t.Lines = make([]int32, 0, n)
	for _, c := range res {
		for _, l := range c.lines {
			t.Lines = append(t.Lines, int32(c.base)+l)
		}
	}
	var textCols []int
	for j, name := range names {
		col := &Column{Name: name, Num: make([]float64, 0, n)}
		bad := 0
		for _, c := range res {
			col.Num = append(col.Num, c.nums[j]...)
			c.nums[j] = nil
			bad += c.bad[j]
		}
		if bad > 0 {
			textCols = append(textCols, j)
		}
		t.Columns = append(t.Columns, col)
	}
	if len(textCols) == 0 {
		return
	}
	parallel(len(res), func(i int) { res[i].texts(len(names), textCols, delim) })
	for k, j := range textCols {
		t.Columns[j].joinText(res, k)
	}
}

// texts reads the text of columns cols (ascending) of every good row,
// interning it per chunk.
func (c *chunk) texts(ncol int, cols []int, delim byte) {
	s := &scanner{buf: c.buf, delim: delim}
	c.text = make([][]int32, len(cols))
	c.levels = make([][]string, len(cols))
	raw := make([]map[string]int32, len(cols))
	canon := make([]map[string]int32, len(cols))
	for k := range cols {
		c.text[k] = make([]int32, 0, len(c.lines))
		raw[k], canon[k] = map[string]int32{}, map[string]int32{}
	}
	row := make([]int32, 0, len(cols))
	for s.pos < len(s.buf) {
		if s.atBlank() {
			continue
		}
		k := 0
		row = row[:0]
		col := 0
		for end := false; !end; col++ {
			var f []byte
			f, end = s.field()
			if k < len(cols) && cols[k] == col {
				row = append(row, c.intern(k, trimSpace(f), raw[k], canon[k]))
				k++
			}
		}
		if s.err != nil || col != ncol {
			s.err = nil
			continue // reported by numbers
		}
		for k, code := range row {
			c.text[k] = append(c.text[k], code)
		}
	}
}

// intern returns the code of cell f in column k of the chunk.
func (c *chunk) intern(k int, f []byte, raw, canon map[string]int32) int32 {
	if code, ok := raw[string(f)]; ok {
		return code
	}
	key := string(f)
	code := int32(-1)
	if !isMissing(f) {
		text := key
		if v, ok := parseNumber(f); ok {
			text = strconv.FormatFloat(v, 'g', -1, 64)
		}
		var seen bool
		if code, seen = canon[text]; !seen {
			code = int32(len(c.levels[k]))
			canon[text] = code
			c.levels[k] = append(c.levels[k], text)
		}
	}
	raw[key] = code
	return code
}

// joinText merges the chunks' codes of text column k into col.
func (col *Column) joinText(res []*chunk, k int) {
	index := map[string]int32{}
	col.Text = make([]int32, 0, len(col.Num))
	for _, c := range res {
		remap := make([]int32, len(c.levels[k]))
		for i, l := range c.levels[k] {
			g, ok := index[l]
			if !ok {
				g = int32(len(col.Levels))
				index[l] = g
				col.Levels = append(col.Levels, l)
			}
			remap[i] = g
		}
		for _, code := range c.text[k] {
			if code >= 0 {
				code = remap[code]
			}
			col.Text = append(col.Text, code)
		}
		c.text[k] = nil
	}
}
