package tabular

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writeFile writes content to name in a fresh temporary folder.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseNumber(t *testing.T) {
	good := []string{"0", "-0", "+1", "1.", ".5", "-.5", "3.14159", "1e5", "1E-5", "2.5e+3",
		"123456789012345678901234567890", "0.000000000000000000000000001234", "1e22", "1e23",
		"9007199254740993", "4.9e-324", "1.7976931348623157e308", "00012", "0.1", "1234567.891"}
	for _, s := range good {
		want, _ := strconv.ParseFloat(s, 64)
		got, ok := parseNumber([]byte(s))
		if !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	bad := []string{"", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "abc", "0x10", "Inf", "inf",
		"NaN", "1_000", "1e999", "- 1", "12a", "1 2"}
	for _, s := range bad {
		if v, ok := parseNumber([]byte(s)); ok {
			t.Errorf("parseNumber(%q) = %v, true; want not a number", s, v)
		}
	}
	// Random values printed in the ways CSV writers print them parse exactly.
	r := uint64(1)
	for range 20000 {
		r = r*6364136223846793005 + 1442695040888963407
		v := math.Float64frombits(r >> 2) // positive, huge range
		if math.IsInf(v, 0) || math.IsNaN(v) {
			continue
		}
		small := float64(int64(r>>20)%2000000-1000000) / 997
		for _, s := range []string{strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(small, 'f', 6, 64),
			strconv.FormatFloat(small, 'e', 3, 64), strconv.FormatFloat(small, 'g', -1, 32)} {
			want, _ := strconv.ParseFloat(s, 64)
			if got, ok := parseNumber([]byte(s)); !ok || got != want {
				t.Fatalf("parseNumber(%q) = %v, %v; want %v", s, got, ok, want)
			}
		}
	}
}

func TestReadFile(t *testing.T) {
	content := "\xef\xbb\xbfa,b, name \r\n" +
		"1,2.5,x\r\n" +
		"\r\n" +
		"NA,-3,\"he said \"\"hi\"\",\nthen left\"\n" +
		"4, 5 ,x\n" +
		"\n" +
		"7,8e1,007\n" +
		"9,10,7.0" // no final newline
	tab, err := ReadFile(context.Background(), writeFile(t, "t.csv", content), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Names(); !slices.Equal(got, []string{"a", "b", "name"}) {
		t.Errorf("names %q", got)
	}
	if want := []int32{2, 4, 6, 8, 9}; !slices.Equal(tab.Lines, want) {
		t.Errorf("lines %v, want %v", tab.Lines, want)
	}
	a, b, name := tab.Columns[0], tab.Columns[1], tab.Columns[2]
	if !a.Missing(1) || a.Num[0] != 1 || a.Num[4] != 9 || a.Text != nil {
		t.Errorf("column a: %v text %v", a.Num, a.Text)
	}
	if !slices.Equal(b.Num, []float64{2.5, -3, 5, 80, 10}) {
		t.Errorf("column b: %v", b.Num)
	}
	var values []string
	for i := range tab.N() {
		values = append(values, name.Value(i))
	}
	if want := []string{"x", "he said \"hi\",\nthen left", "x", "7", "7"}; !slices.Equal(values, want) {
		t.Errorf("column name: %q, want %q", values, want)
	}
	if len(name.Levels) != 3 {
		t.Errorf("levels %q: 007 and 7.0 should be one", name.Levels)
	}
}

func TestReadGzipAndDelimiter(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprint(zw, "x;y\n1,5;a\n2;b\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadFile(context.Background(), writeFile(t, "t.csv.gz", buf.String()), ReadOptions{Delimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	x := tab.Columns[0]
	if x.Value(0) != "1,5" || x.Num[1] != 2 || tab.Columns[1].Value(1) != "b" {
		t.Errorf("got %q %v %q", x.Value(0), x.Num, tab.Columns[1].Levels)
	}
}

// TestReadChunks reads a file big enough to be parsed in parallel chunks and
// checks every value and line against a line-by-line reading.
func TestReadChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,v,w,kind\n")
	type row struct {
		line int
		v, w float64
		kind string
	}
	var want []row
	line := 1
	for i := 0; b.Len() < 3*chunkSize+12345; i++ {
		line++
		if i%1000 == 999 {
			b.WriteString("\n") // a blank line
			continue
		}
		r := row{line: line, v: float64(i) * 0.37, w: float64(i%97) - 40.5, kind: fmt.Sprintf("k%d", (i*7)%13)}
		want = append(want, r)
		fmt.Fprintf(&b, "%d,%s,%g,%s\n", i, strconv.FormatFloat(r.v, 'f', -1, 64), r.w, r.kind)
	}
	if n := len(splitChunks([]byte(b.String()))); n < 2 {
		t.Fatalf("test data makes %d chunk(s); want several", n)
	}
	tab, err := Parse("big.csv", []byte(b.String()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.N() != len(want) {
		t.Fatalf("%d rows, want %d", tab.N(), len(want))
	}
	for i, r := range want {
		c := tab.Columns
		if int(tab.Lines[i]) != r.line || c[1].Num[i] != r.v || c[2].Num[i] != r.w || c[3].Value(i) != r.kind {
			t.Fatalf("row %d: line %d %v %v %q, want %+v", i, tab.Lines[i], c[1].Num[i], c[2].Num[i], c[3].Value(i), r)
		}
	}
	if len(tab.Columns[3].Levels) != 13 {
		t.Errorf("%d levels, want 13", len(tab.Columns[3].Levels))
	}
}

func TestReadErrors(t *testing.T) {
	many := "a,b\n" + strings.Repeat("1,2,3\n", 30)
	tests := []struct {
		name, content string
		want          []string
	}{
		{"empty.csv", "", []string{"empty.csv: the file is empty"}},
		{"blank.csv", "\n \n", []string{"the file is empty"}},
		{"noheader.csv", "1,2\n3,4\n", []string{"noheader.csv:1: no header: the first line holds only numbers (1,2)"}},
		{"onlyheader.csv", "a,b\n", []string{"onlyheader.csv: the file has a header but no data rows"}},
		{"header.csv", "a,,a\n1,2,3\n", []string{"header.csv:1: header: column 2 has no name", "columns 1 and 3 are both named \"a\""}},
		{"ragged.csv", "a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n", []string{"ragged.csv:3: the row has 2 fields, the header 3", "ragged.csv:5: the row has 4 fields, the header 3"}},
		{"quote.csv", "a,b\n1,\"x\n2,3\n", []string{"quote.csv:2: quoted field never closed"}},
		{"after.csv", "a,b\n1,\"x\"y\n2,3\n", []string{"after.csv:2: unexpected 'y' after a closing quote"}},
		{"many.csv", many, []string{"many.csv:2: the row has 3", "many.csv:21:", "… and 10 more"}},
	}
	for _, tt := range tests {
		_, err := ReadFile(context.Background(), writeFile(t, tt.name, tt.content), ReadOptions{})
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q\nlacks %q", tt.name, err, w)
			}
		}
	}
	if _, err := ReadFile(context.Background(), filepath.Join(t.TempDir(), "absent.csv"), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Parse("x.csv", []byte("a\n1\n"), ReadOptions{Delimiter: '"'}); err == nil {
		t.Error("a quote as delimiter: no error")
	}
}

func TestColumnSuggestion(t *testing.T) {
	tab, err := Parse("iris.csv", []byte("sepal,species\n1,a\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tab.Column("specis")
	if err == nil || !strings.Contains(err.Error(), `iris.csv:1: no column "specis" (did you mean "species"?); the header has "sepal", "species"`) {
		t.Errorf("got %v", err)
	}
}

// TestReadQuotedBig checks that a big file with a quoted multi-line field
// (parsed in one piece) keeps every row's physical line.
func TestReadQuotedBig(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,note\n")
	rows := 0
	for b.Len() < 3*chunkSize {
		if rows == 20000 {
			b.WriteString("20000,\"two\nlines\"\n")
		} else {
			fmt.Fprintf(&b, "%d,n%d\n", rows, rows%5)
		}
		rows++
	}
	tab, err := Parse("q.csv", []byte(b.String()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.N() != rows {
		t.Fatalf("%d rows, want %d", tab.N(), rows)
	}
	for _, i := range []int{0, 19999, 20000, 20001, rows - 1} {
		want := int32(i + 2)
		if i > 20000 {
			want++
		}
		if tab.Lines[i] != want || tab.Columns[0].Num[i] != float64(i) {
			t.Errorf("row %d: line %d id %v, want line %d", i, tab.Lines[i], tab.Columns[0].Num[i], want)
		}
	}
	if got := tab.Columns[1].Value(20000); got != "two\nlines" {
		t.Errorf("quoted field %q", got)
	}
}

// TestParseNumberAllocs checks that numbers, fast path or not, and text
// cells cost no allocation.
func TestParseNumberAllocs(t *testing.T) {
	cells := [][]byte{[]byte("12.345678"), []byte("1.2345678901234567890123"), []byte("1e300"), []byte("setosa"), []byte("n/a")}
	allocs := testing.AllocsPerRun(100, func() {
		for _, c := range cells {
			parseNumber(c)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
