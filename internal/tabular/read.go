package tabular

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/exp-runner/exp/internal/infile"
)

// ReadOptions says how to split a CSV file.
type ReadOptions struct {
	Delimiter byte // the field separator; 0 means ','
	// MaxBytes, when > 0, bounds the bytes read (after decompression): a
	// larger file is refused, a regular one before it is read.
	MaxBytes int64
	// Raw names columns of free text: their cells are kept as written
	// (Column.Raw), not read as numbers, categories or missing values.
	Raw []string
}

// MaxLineBytes is the longest line ReadFile reads: a longer one means the
// file is not CSV data (or has no newlines at all, as /dev/zero).
const MaxLineBytes = 64 << 20

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
	// Raw holds each row's cell as written (quotes undone, spaces kept)
	// for a column ReadOptions.Raw names; nil for the others, whose Num and
	// Text are then not to be read.
	Raw []string
}

// N is the number of data rows.
func (t *Table) N() int { return len(t.Lines) }

// ReadFile reads the CSV file at path (gzip-compressed when it ends in .gz
// or starts with gzip's magic bytes). The first line must be a header naming
// every column. Blank lines are skipped. Problems are reported together as
// *Errors of *CellError, each naming the file, the physical line and the
// column. Reading stops with ctx's error once ctx is done, at a line longer
// than MaxLineBytes, and past opt.MaxBytes (an *infile.TooLargeError).
func ReadFile(ctx context.Context, path string, opt ReadOptions) (*Table, error) {
	raw, err := readAll(ctx, path, opt.MaxBytes)
	if err != nil {
		return nil, err
	}
	return parseCtx(ctx, path, raw, opt)
}

// readAll reads the file at path, decompressing gzip, into one buffer sized
// in advance (from the file's size, or gzip's trailer), at most limit
// bytes when limit > 0.
func readAll(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, err := infile.Open(ctx, path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only: a close error loses nothing
	size := int64(0)
	if st, err := f.File().Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
		if limit > 0 && size > limit {
			return nil, &infile.TooLargeError{Path: path, Limit: limit, Size: size}
		}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if !strings.HasSuffix(path, ".gz") && !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return readText(path, br, size)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, readError(path, err)
	}
	hint := int64(0)
	if size >= 4 { // ISIZE: the uncompressed size modulo 2^32
		var b [4]byte
		if _, err := f.File().ReadAt(b[:], size-4); err == nil {
			hint = int64(binary.LittleEndian.Uint32(b[:]))
		}
	}
	if limit > 0 {
		hint = min(hint, limit)
	}
	text := infile.NewReader(ctx, path, zr, limit).Describe("the decompressed data")
	return readText(path, text, hint)
}

// readText reads r to its end into a buffer of size bytes, growing it if r
// holds more, and refuses a line longer than MaxLineBytes as soon as it
// has read that much of it.
func readText(path string, r io.Reader, size int64) ([]byte, error) {
	buf := makeBytes(int(size) + 1)[:0]
	lineStart := 0 // where the line being read began
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			if nl := bytes.LastIndexByte(buf[len(buf):len(buf)+n], '\n'); nl >= 0 {
				lineStart = len(buf) + nl + 1
			}
			buf = buf[:len(buf)+n]
			if len(buf)-lineStart > MaxLineBytes {
				line := 1 + bytes.Count(buf[:lineStart], []byte{'\n'})
				return nil, &CellError{Path: path, Line: line,
					Msg: fmt.Sprintf("the line is longer than %d MiB: this is not CSV data", MaxLineBytes>>20)}
			}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, readError(path, err)
		}
	}
}

// readError names path in an error of reading it (the context's errors and
// the limit's pass as they are).
func readError(path string, err error) error {
	var tl *infile.TooLargeError
	if errors.As(err, &tl) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// Parse reads CSV data as ReadFile does; name is the file named in errors.
func Parse(name string, data []byte, opt ReadOptions) (*Table, error) {
	return parseCtx(context.Background(), name, data, opt)
}

// parseCtx is Parse, stopping with ctx's error once ctx is done.
func parseCtx(ctx context.Context, name string, data []byte, opt ReadOptions) (*Table, error) {
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
	if err := t.parseBody(ctx, body, bodyLine, names, delim, opt.Raw); err != nil {
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
	for s.atBlank() { // blank lines before the header
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
// chunks written straight into the columns, then the text of the columns
// that are not all numbers.
func (t *Table) parseBody(ctx context.Context, body []byte, bodyLine int, names []string, delim byte, raw []string) error {
	res := survey(body, bodyLine)
	ncol := len(names)
	// Every row of a chunk but the last ends in a newline, so a chunk holds at
	// most as many rows as newlines (plus one for the last): each parses
	// into its own stretch of the columns, and only blank or bad rows leave
	// gaps to close afterwards.
	bound := 0
	for k, c := range res {
		c.off = bound
		bound += c.newlines
		if k == len(res)-1 {
			bound++
		}
	}
	lines := make([]int32, bound)
	block := makeFloat64s(bound * ncol)
	cols := make([][]float64, ncol)
	for j := range cols {
		cols[j] = block[j*bound : (j+1)*bound : (j+1)*bound]
	}
	parallel(len(res), func(i int) { res[i].numbers(ctx, lines, cols, delim) })
	if err := ctx.Err(); err != nil {
		return err
	}
	errs := &Errors{}
	for _, c := range res {
		for _, e := range c.errs {
			ce := &CellError{Path: t.Path, Line: e.line, Msg: e.msg}
			if e.column >= 0 {
				ce.Column = names[e.column]
			}
			errs.Add(ce)
		}
		errs.More += c.moreErrs
	}
	if err := errs.Err(); err != nil {
		return err
	}
	n := compact(res, lines, cols)
	t.Lines = lines[:n:n]
	var textCols []int
	for j, name := range names {
		t.Columns = append(t.Columns, &Column{Name: name, Num: cols[j][:n:n]})
		bad := 0
		for _, c := range res {
			bad += c.bad[j]
		}
		if bad > 0 && !slices.Contains(raw, name) {
			textCols = append(textCols, j)
		}
	}
	t.readRaw(res, raw, delim)
	if len(textCols) > 0 {
		parallel(len(res), func(i int) { res[i].texts(ctx, ncol, textCols, delim) })
		if err := ctx.Err(); err != nil {
			return err
		}
		for k, j := range textCols {
			t.Columns[j].joinText(res, k)
		}
	}
	return nil
}

// survey cuts body into chunks and counts their newlines in parallel,
// setting each chunk's first physical line. A body with a quote in it is
// one chunk: a quoted field may hold a newline, and only a scan from the
// start knows.
func survey(body []byte, bodyLine int) []*chunk {
	pieces := splitChunks(body)
	res := make([]*chunk, len(pieces))
	quoted := make([]bool, len(pieces))
	parallel(len(pieces), func(i int) {
		res[i] = &chunk{buf: pieces[i], newlines: bytes.Count(pieces[i], []byte{'\n'})}
		quoted[i] = bytes.IndexByte(pieces[i], '"') >= 0
	})
	if len(res) > 1 && slices.Contains(quoted, true) {
		res = []*chunk{{buf: body, newlines: bytes.Count(body, []byte{'\n'})}}
	}
	base := bodyLine
	for _, c := range res {
		c.base = base
		base += c.newlines
	}
	return res
}

// compact closes the gaps that blank and bad rows left between the chunks'
// stretches and returns the number of rows.
func compact(res []*chunk, lines []int32, cols [][]float64) int {
	n := 0
	for _, c := range res {
		if c.off != n {
			copy(lines[n:], lines[c.off:c.off+c.rows])
			for _, col := range cols {
				copy(col[n:], col[c.off:c.off+c.rows])
			}
		}
		n += c.rows
	}
	return n
}

// chunkSize is the least data worth a goroutine of its own.
const chunkSize = 1 << 20

// splitChunks cuts body after newlines into about twice as many pieces as
// there are processors.
func splitChunks(body []byte) [][]byte {
	n := min(len(body)/chunkSize, 2*runtime.GOMAXPROCS(0))
	if n <= 1 {
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
	base     int       // physical line of buf's first byte
	newlines int       // newlines in buf
	off      int       // the chunk's first row in the columns
	rows     int       // its good rows
	bad      []int     // per column: cells that are neither numbers nor missing
	text     [][]int32 // per column with text: codes into levels
	levels   [][]string
	errs     []rowErr // lines here are physical
	moreErrs int      // problems found past maxChunkErrs
}

// checkEvery is how many lines a chunk parses between looks at the
// context: a few milliseconds' work.
const checkEvery = 1 << 16

// maxChunkErrs bounds the problems one chunk keeps (Errors caps the total).
const maxChunkErrs = MaxErrors + 1

// numbers parses every row of the chunk as numbers into lines and cols from
// row c.off on, counting the cells that are not numbers, and records ragged
// rows and malformed quotes.
func (c *chunk) numbers(ctx context.Context, lines []int32, cols [][]float64, delim byte) {
	s := &scanner{buf: c.buf, delim: delim}
	ncol := len(cols)
	c.bad = make([]int, ncol)
	nan := math.NaN()
	row := c.off
	for n := 0; s.pos < len(s.buf); n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			break // the caller returns ctx's error
		}
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
			cols[col][row] = v
		}
		if s.err != nil || col != ncol {
			c.badRow(c.base+line, col, ncol, s)
			continue
		}
		lines[row] = int32(c.base + line)
		row++
	}
	c.rows = row - c.off
}

// badRow records why a row was left out.
func (c *chunk) badRow(line, col, ncol int, s *scanner) {
	if len(c.errs) >= maxChunkErrs {
		s.err = nil
		c.moreErrs++
		return
	}
	if s.err != nil {
		e := *s.err
		e.line += c.base
		c.errs = append(c.errs, e)
		s.err = nil
		return
	}
	c.errs = append(c.errs, rowErr{line: line, column: -1,
		msg: fmt.Sprintf("the row has %d fields, the header %d", col, ncol)})
}

// texts reads the text of columns cols (ascending) of every good row,
// interning it per chunk.
func (c *chunk) texts(ctx context.Context, ncol int, cols []int, delim byte) {
	s := &scanner{buf: c.buf, delim: delim}
	c.text = make([][]int32, len(cols))
	c.levels = make([][]string, len(cols))
	raw := make([]map[string]int32, len(cols))
	canon := make([]map[string]int32, len(cols))
	for k := range cols {
		c.text[k] = make([]int32, 0, c.rows)
		raw[k], canon[k] = map[string]int32{}, map[string]int32{}
	}
	row := make([]int32, 0, len(cols))
	for n := 0; s.pos < len(s.buf); n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			break // the caller returns ctx's error
		}
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
