package tabular

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/exp-runner/exp/internal/rng"
)

// canonical is what Column.Value gives for a cell encoding/csv read as f.
func canonical(f string) string {
	f = string(trimSpace([]byte(f)))
	if isMissing([]byte(f)) {
		return ""
	}
	if v, ok := parseNumber([]byte(f)); ok {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return f
}

// randomCSV writes a well-formed CSV of random cells: numbers, words, empty
// cells, quoted cells with delimiters, quotes and newlines, blank lines and
// CRLF line ends.
func randomCSV(r *rng.Rand, delim byte) string {
	ncol, nrow := 1+r.IntN(5), 1+r.IntN(12)
	cells := []string{"1", "-2.5", "1e3", " 7 ", "", "NA", "abc", "x y", "007", "\"q,\"\"uo\"\"te\"", "\"two\nlines\"", "\"\"", "3.0"}
	var b strings.Builder
	eol := "\n"
	if r.IntN(2) == 0 {
		eol = "\r\n"
	}
	for j := range ncol {
		if j > 0 {
			b.WriteByte(delim)
		}
		fmt.Fprintf(&b, "c%d", j)
	}
	b.WriteString(eol)
	for i := range nrow {
		if r.IntN(5) == 0 {
			b.WriteString(eol) // a blank line
		}
		for j := range ncol {
			if j > 0 {
				b.WriteByte(delim)
			}
			c := cells[r.IntN(len(cells))]
			if ncol == 1 && c == "" || ncol == 1 && c == "\"\"" {
				c = "NA" // a lone empty cell would be a blank line
			}
			b.WriteString(c)
		}
		if i < nrow-1 || r.IntN(2) == 0 {
			b.WriteString(eol)
		}
	}
	return b.String()
}

// TestMatchesEncodingCSV reads random well-formed files with Parse and with
// encoding/csv and compares every cell and every row's line.
func TestMatchesEncodingCSV(t *testing.T) {
	r := rng.New(1, 1)
	for k := range 500 {
		delim := []byte{',', ';', '\t'}[k%3]
		content := randomCSV(r, delim)
		tab, err := Parse("r.csv", []byte(content), ReadOptions{Delimiter: delim})
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		cr := csv.NewReader(strings.NewReader(content))
		cr.Comma = rune(delim)
		header, err := cr.Read()
		if err != nil {
			t.Fatalf("encoding/csv on %q: %v", content, err)
		}
		if got := tab.Names(); strings.Join(got, "|") != strings.Join(header, "|") {
			t.Fatalf("%q: header %q, want %q", content, got, header)
		}
		for i := 0; ; i++ {
			rec, err := cr.Read()
			if err == io.EOF {
				if i != tab.N() {
					t.Fatalf("%q: %d rows, want %d", content, tab.N(), i)
				}
				break
			}
			if err != nil {
				t.Fatalf("encoding/csv on %q: %v", content, err)
			}
			line, _ := cr.FieldPos(0)
			if i >= tab.N() || int(tab.Lines[i]) != line {
				t.Fatalf("%q: row %d on line %v, want %d", content, i, tab.Lines, line)
			}
			for j, f := range rec {
				if got, want := tab.Columns[j].Value(i), canonical(f); got != want {
					t.Fatalf("%q: row %d column %d = %q, want %q", content, i, j, got, want)
				}
			}
		}
	}
}

// TestReadMultiMemberGzip reads a gzip file of two members, whose trailer
// gives only the last member's size.
func TestReadMultiMemberGzip(t *testing.T) {
	var buf bytes.Buffer
	for _, part := range []string{"a,b\n1,2\n", "3,4\n5,6\n"} {
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := ReadFile(context.Background(), writeFile(t, "m.csv.gz", buf.String()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.N() != 3 || tab.Columns[1].Num[2] != 6 || tab.Lines[2] != 4 {
		t.Errorf("rows %d, b %v, lines %v", tab.N(), tab.Columns[1].Num, tab.Lines)
	}
}
