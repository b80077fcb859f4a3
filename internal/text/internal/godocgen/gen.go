package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// perClass caps each class, so that the classes stay within a factor of
// about two of each other.
const perClass = 600

// minWords drops sentences too short to say anything ("TODO.").
const minWords = 3

// areas maps an import path's first element, or a whole import path, to its
// class. Packages not listed are left out.
var areas = map[string]string{
	"archive": "encoding", "compress": "encoding", "encoding": "encoding",
	"crypto": "crypto",
	"debug":  "debug",
	"go":     "syntax",
	"math":   "math",
	"net":    "net",
	"os":     "files", "io": "files", "bufio": "files", "path": "files",
	"runtime": "runtime", "sync": "runtime", "context": "runtime",
	"strings": "text", "bytes": "text", "unicode": "text", "regexp": "text",
	"text": "text", "strconv": "text", "fmt": "text",
}

// row is one example: a sentence and its class.
type row struct {
	text, label string
	key         uint64 // FNV-1a of text: the order rows are taken and written in
}

// Files returns the dataset's files by name, read from the Go installation
// at goroot.
func Files(goroot string) (map[string][]byte, error) {
	version, err := goVersion(goroot)
	if err != nil {
		return nil, err
	}
	byLabel, err := collect(filepath.Join(goroot, "src"))
	if err != nil {
		return nil, err
	}
	train, val := split(byLabel)
	license, err := os.ReadFile(filepath.Join(goroot, "LICENSE"))
	if err != nil {
		return nil, err
	}
	trainCSV, err := writeCSV(train)
	if err != nil {
		return nil, err
	}
	valCSV, err := writeCSV(val)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"godoc-train.csv":  trainCSV,
		"godoc-val.csv":    valCSV,
		"godoc-NOTICE.txt": notice(version, train, val, license),
	}, nil
}

// goVersion is the first line of goroot/VERSION, e.g. "go1.26.8".
func goVersion(goroot string) (string, error) {
	b, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "", err
	}
	v, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(v), nil
}

// collect walks the standard library under src and returns, for each
// class, its distinct sentences. A sentence found in two classes is dropped.
func collect(src string) (map[string][]string, error) {
	seen := map[string]map[string]bool{} // text → labels
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "internal", "vendor":
				return filepath.SkipDir
			}
			if rel == "cmd" {
				return filepath.SkipDir
			}
			return nil
		}
		label := area(filepath.ToSlash(filepath.Dir(rel)))
		if label == "" || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		texts, err := sentences(path)
		for _, t := range texts {
			if seen[t] == nil {
				seen[t] = map[string]bool{}
			}
			seen[t][label] = true
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	byLabel := map[string][]string{}
	for t, labels := range seen {
		if len(labels) != 1 {
			continue
		}
		for l := range labels {
			byLabel[l] = append(byLabel[l], t)
		}
	}
	return byLabel, nil
}

// area is the class of the package with this import path, or "".
func area(pkg string) string {
	if l, ok := areas[pkg]; ok {
		return l
	}
	first, _, _ := strings.Cut(pkg, "/")
	return areas[first]
}

// sentences returns the first sentence of the doc comment of each exported
// declaration in the Go file at path; none for a package main.
func sentences(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if f.Name.Name == "main" {
		return nil, nil
	}
	var out []string
	var p doc.Package
	add := func(cg *ast.CommentGroup, exported bool) {
		if cg == nil || !exported {
			return
		}
		s := p.Synopsis(cg.Text())
		if len(strings.Fields(s)) >= minWords {
			out = append(out, s)
		}
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			add(d.Doc, d.Name.IsExported() && exportedReceiver(d))
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				cg, name := specDoc(d, spec)
				add(cg, ast.IsExported(name))
			}
		}
	}
	return out, nil
}

// exportedReceiver reports whether d is a function, or a method of an
// exported type.
func exportedReceiver(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// specDoc is a type, const or var spec's doc comment and first name; a
// declaration's comment counts for its spec when it declares only one.
func specDoc(d *ast.GenDecl, spec ast.Spec) (*ast.CommentGroup, string) {
	var cg *ast.CommentGroup
	var name string
	switch s := spec.(type) {
	case *ast.TypeSpec:
		cg, name = s.Doc, s.Name.Name
	case *ast.ValueSpec:
		cg, name = s.Doc, s.Names[0].Name
	default:
		return nil, ""
	}
	if cg == nil && len(d.Specs) == 1 {
		cg = d.Doc
	}
	return cg, name
}

// split takes up to perClass sentences of each class, in the order of their
// hash, and puts every fifth into validation; both sides are then ordered
// by hash, which mixes the classes.
func split(byLabel map[string][]string) (train, val []row) {
	for label, texts := range byLabel {
		rows := make([]row, len(texts))
		for i, t := range texts {
			rows[i] = row{text: t, label: label, key: hash(t)}
		}
		slices.SortFunc(rows, compareRows)
		rows = rows[:min(len(rows), perClass)]
		for i, r := range rows {
			if i%5 == 4 {
				val = append(val, r)
			} else {
				train = append(train, r)
			}
		}
	}
	slices.SortFunc(train, compareRows)
	slices.SortFunc(val, compareRows)
	return train, val
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s)) // a hash.Hash never returns an error
	return h.Sum64()
}

func compareRows(a, b row) int {
	return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.text, b.text))
}

func writeCSV(rows []row) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"text", "label"}); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := w.Write([]string{r.text, r.label}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// notice says where the rows come from, how many there are of each class,
// and carries Go's licence.
func notice(version string, train, val []row, license []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `godoc: short English sentences labelled by topic, for text classification.

Each row is the first sentence of the doc comment of an exported declaration
(function, method, type, constant or variable) in the standard library of Go
%s, labelled by the area of the package that declares it:

`, version)
	counts := map[string][2]int{}
	for _, r := range train {
		c := counts[r.label]
		c[0]++
		counts[r.label] = c
	}
	for _, r := range val {
		c := counts[r.label]
		c[1]++
		counts[r.label] = c
	}
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	fmt.Fprintf(&b, "  %-9s %5s %5s  packages\n", "label", "train", "val")
	for _, l := range labels {
		fmt.Fprintf(&b, "  %-9s %5d %5d  %s\n", l, counts[l][0], counts[l][1], packagesOf(l))
	}
	fmt.Fprintf(&b, "  %-9s %5d %5d\n", "total", len(train), len(val))
	b.WriteString(`
Sentences found in two areas, and sentences of fewer than 3 words, are left
out; each area keeps at most 600 sentences, chosen by their FNV-1a hash, and
every fifth of them (in hash order) is in godoc-val.csv. Written by

  go run ./internal/text/internal/godocgen -out configs/data

The sentences are taken from the Go source code, which carries this licence:

`)
	b.Write(license)
	return b.Bytes()
}

// packagesOf lists the import paths (or path prefixes) of a class.
func packagesOf(label string) string {
	var ps []string
	for p, l := range areas {
		if l == label {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return strings.Join(ps, ", ")
}
